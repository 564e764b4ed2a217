package bench

import (
	"database/sql"
	"fmt"
	"iter"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	geeorm7 "gee-orm/day7-migrate/geeorm"
	log7 "gee-orm/day7-migrate/geeorm/log"
	"gee-orm/day8-performance/geeorm"
	"gee-orm/day8-performance/geeorm/log"

	"github.com/jmoiron/sqlx"
	_ "github.com/mattn/go-sqlite3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Item is the 8-column model every implementation maps.
type Item struct {
	ID      int64   `geeorm:"PRIMARY KEY" gorm:"column:ID;primaryKey;autoIncrement:false" db:"ID"`
	Name    string  `gorm:"column:Name" db:"Name"`
	Email   string  `gorm:"column:Email" db:"Email"`
	Age     int     `gorm:"column:Age" db:"Age"`
	Score   float64 `gorm:"column:Score" db:"Score"`
	Active  bool    `gorm:"column:Active" db:"Active"`
	Note    string  `gorm:"column:Note" db:"Note"`
	Created int64   `gorm:"column:Created" db:"Created"`
}

// TableName gives every implementation the table "Item".
func (Item) TableName() string { return "Item" }

const (
	createSQL = `CREATE TABLE "Item" ("ID" bigint PRIMARY KEY, "Name" text, "Email" text, "Age" integer, "Score" real, "Active" bool, "Note" text, "Created" bigint)`
	insertSQL = `INSERT INTO "Item" ("ID", "Name", "Email", "Age", "Score", "Active", "Note", "Created") VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	selectSQL = `SELECT "ID", "Name", "Email", "Age", "Score", "Active", "Note", "Created" FROM "Item"`
	updateSQL = `UPDATE "Item" SET "Name" = ? WHERE "ID" = ?`
	seedRows  = 100
)

var dbCounter atomic.Int64

// memoryDSN names a fresh shared-cache in-memory database, so that every
// connection of a pool sees the same tables.
func memoryDSN() string {
	return fmt.Sprintf("file:bench%d?mode=memory&cache=shared", dbCounter.Add(1))
}

func newItem(id int64) Item {
	return Item{ID: id, Name: "name" + strconv.FormatInt(id, 10), Email: "user@example.com", Age: 30,
		Score: 9.5, Active: true, Note: "an eight column row", Created: 1700000000 + id}
}

// seed fills a fresh table with rows 1..seedRows through raw SQL.
func seed(tb testing.TB, db *sql.DB) {
	tb.Helper()
	if _, err := db.Exec(createSQL); err != nil {
		tb.Fatal(err)
	}
	for id := int64(1); id <= seedRows; id++ {
		it := newItem(id)
		if _, err := db.Exec(insertSQL, it.ID, it.Name, it.Email, it.Age, it.Score, it.Active, it.Note, it.Created); err != nil {
			tb.Fatal(err)
		}
	}
}

// reportCPU adds a cpu-ns/op metric: the process's CPU time (user and
// system, garbage collection included) per operation. On a busy machine
// wall-clock ns/op swings with other processes; CPU time much less.
// Use it as defer reportCPU(b)().
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type impls struct {
	gee, geeDay7 geeCalls
	raw          *sql.DB
	sqlx         *sqlx.DB
	gorm         *gorm.DB
}

// geeCalls are the four cases' calls on one chapter's engine; day7 and
// day8 are different packages with the same API.
type geeCalls struct {
	insert func(it *Item) error
	first  func(id int64, it *Item) error
	find   func(items *[]Item, limit int) error
	update func(id int64, name string) (int64, error)
	close  func() error
}

func day8Calls(e *geeorm.Engine) geeCalls {
	return geeCalls{
		insert: func(it *Item) error { _, err := e.NewSession().Insert(it); return err },
		first:  func(id int64, it *Item) error { return e.NewSession().Where(`"ID" = ?`, id).First(it) },
		find:   func(items *[]Item, limit int) error { return e.NewSession().Limit(limit).Find(items) },
		update: func(id int64, name string) (int64, error) {
			return e.NewSession().Model(&Item{}).Where(`"ID" = ?`, id).Update("Name", name)
		},
		close: e.Close,
	}
}

func day7Calls(e *geeorm7.Engine) geeCalls {
	return geeCalls{
		insert: func(it *Item) error { _, err := e.NewSession().Insert(it); return err },
		first:  func(id int64, it *Item) error { return e.NewSession().Where(`"ID" = ?`, id).First(it) },
		find:   func(items *[]Item, limit int) error { return e.NewSession().Limit(limit).Find(items) },
		update: func(id int64, name string) (int64, error) {
			return e.NewSession().Model(&Item{}).Where(`"ID" = ?`, id).Update("Name", name)
		},
		close: e.Close,
	}
}

// openGee gives a chapter's engine its own seeded shared-cache database.
func openGee(tb testing.TB, open func(dsn string) (geeCalls, error)) geeCalls {
	tb.Helper()
	dsn := memoryDSN()
	calls, err := open(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { calls.close() })
	// geeorm has no access to its pool; a second handle seeds the same shared database.
	seeder, err := sql.Open("sqlite3", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	seed(tb, seeder)
	seeder.Close() // the engine's connection keeps the shared database alive
	return calls
}

// ours is day8 and day7, under their sub-benchmark names, in that order.
func (im impls) ours() iter.Seq2[string, geeCalls] {
	return func(yield func(string, geeCalls) bool) {
		_ = yield("gee", im.gee) && yield("gee-day7", im.geeDay7)
	}
}

// open gives every implementation its own seeded database.
func open(tb testing.TB) impls {
	tb.Helper()
	log.SetLevel(log.Disabled)
	log7.SetLevel(log7.Disabled)
	var im impls
	var err error
	im.gee = openGee(tb, func(dsn string) (geeCalls, error) {
		e, err := geeorm.NewEngine("sqlite3", dsn)
		if err != nil {
			return geeCalls{}, err
		}
		return day8Calls(e), nil
	})
	im.geeDay7 = openGee(tb, func(dsn string) (geeCalls, error) {
		e, err := geeorm7.NewEngine("sqlite3", dsn)
		if err != nil {
			return geeCalls{}, err
		}
		return day7Calls(e), nil
	})

	if im.raw, err = sql.Open("sqlite3", memoryDSN()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { im.raw.Close() })
	seed(tb, im.raw)

	if im.sqlx, err = sqlx.Open("sqlite3", memoryDSN()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { im.sqlx.Close() })
	seed(tb, im.sqlx.DB)

	gormSQL, err := sql.Open("sqlite3", memoryDSN())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { gormSQL.Close() })
	seed(tb, gormSQL)
	im.gorm, err = gorm.Open(sqlite.New(sqlite.Config{Conn: gormSQL}), &gorm.Config{
		SkipDefaultTransaction: true,
		Logger:                 logger.Default.LogMode(logger.Silent),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return im
}

func BenchmarkInsertOne(b *testing.B) {
	im := open(b)
	// Sub-benchmark functions run more than once; ids keep growing across runs.
	var nextGee, nextDay7, nextSQL, nextSqlx, nextGorm int64 = seedRows, seedRows, seedRows, seedRows, seedRows
	next := map[string]*int64{"gee": &nextGee, "gee-day7": &nextDay7}
	for name, calls := range im.ours() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				*next[name]++
				it := newItem(*next[name])
				if err := calls.insert(&it); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("sql", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			nextSQL++
			it := newItem(nextSQL)
			if _, err := im.raw.Exec(insertSQL, it.ID, it.Name, it.Email, it.Age, it.Score, it.Active, it.Note, it.Created); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("sqlx", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			nextSqlx++
			it := newItem(nextSqlx)
			if _, err := im.sqlx.NamedExec(`INSERT INTO "Item" ("ID", "Name", "Email", "Age", "Score", "Active", "Note", "Created") VALUES (:ID, :Name, :Email, :Age, :Score, :Active, :Note, :Created)`, &it); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gorm", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			nextGorm++
			it := newItem(nextGorm)
			if err := im.gorm.Create(&it).Error; err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkReadOneByID(b *testing.B) {
	im := open(b)
	id := func(i int) int64 { return int64(i%seedRows + 1) }
	for name, calls := range im.ours() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for i := 0; b.Loop(); i++ {
				var it Item
				if err := calls.first(id(i), &it); err != nil || it.ID != id(i) {
					b.Fatal(it.ID, err)
				}
			}
		})
	}
	b.Run("sql", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			var it Item
			err := im.raw.QueryRow(selectSQL+` WHERE "ID" = ?`, id(i)).
				Scan(&it.ID, &it.Name, &it.Email, &it.Age, &it.Score, &it.Active, &it.Note, &it.Created)
			if err != nil || it.ID != id(i) {
				b.Fatal(it.ID, err)
			}
		}
	})
	b.Run("sqlx", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			var it Item
			if err := im.sqlx.Get(&it, selectSQL+` WHERE "ID" = ?`, id(i)); err != nil || it.ID != id(i) {
				b.Fatal(it.ID, err)
			}
		}
	})
	b.Run("gorm", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			var it Item
			if err := im.gorm.First(&it, id(i)).Error; err != nil || it.ID != id(i) {
				b.Fatal(it.ID, err)
			}
		}
	})
}

func BenchmarkRead100(b *testing.B) {
	im := open(b)
	for name, calls := range im.ours() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for b.Loop() {
				var items []Item
				if err := calls.find(&items, seedRows); err != nil || len(items) != seedRows {
					b.Fatal(len(items), err)
				}
			}
		})
	}
	b.Run("sql", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			rows, err := im.raw.Query(selectSQL+" LIMIT ?", seedRows)
			if err != nil {
				b.Fatal(err)
			}
			var items []Item
			for rows.Next() {
				var it Item
				if err := rows.Scan(&it.ID, &it.Name, &it.Email, &it.Age, &it.Score, &it.Active, &it.Note, &it.Created); err != nil {
					b.Fatal(err)
				}
				items = append(items, it)
			}
			if err := rows.Close(); err != nil || len(items) != seedRows {
				b.Fatal(len(items), err)
			}
		}
	})
	b.Run("sqlx", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			var items []Item
			if err := im.sqlx.Select(&items, selectSQL+" LIMIT ?", seedRows); err != nil || len(items) != seedRows {
				b.Fatal(len(items), err)
			}
		}
	})
	b.Run("gorm", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			var items []Item
			if err := im.gorm.Limit(seedRows).Find(&items).Error; err != nil || len(items) != seedRows {
				b.Fatal(len(items), err)
			}
		}
	})
}

func BenchmarkUpdateOne(b *testing.B) {
	im := open(b)
	id := func(i int) int64 { return int64(i%seedRows + 1) }
	for name, calls := range im.ours() {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			defer reportCPU(b)()
			for i := 0; b.Loop(); i++ {
				n, err := calls.update(id(i), "renamed")
				if err != nil || n != 1 {
					b.Fatal(n, err)
				}
			}
		})
	}
	b.Run("sql", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			res, err := im.raw.Exec(updateSQL, "renamed", id(i))
			if err != nil {
				b.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				b.Fatal(n)
			}
		}
	})
	b.Run("sqlx", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			res, err := im.sqlx.Exec(updateSQL, "renamed", id(i))
			if err != nil {
				b.Fatal(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				b.Fatal(n)
			}
		}
	})
	b.Run("gorm", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for i := 0; b.Loop(); i++ {
			res := im.gorm.Model(&Item{ID: id(i)}).Update("Name", "renamed")
			if res.Error != nil || res.RowsAffected != 1 {
				b.Fatal(res.RowsAffected, res.Error)
			}
		}
	})
}

// TestImplementationsAgree runs each case once per implementation and
// checks they read the same rows, so the benchmarks compare equal work.
func TestImplementationsAgree(t *testing.T) {
	im := open(t)
	var gee, geeDay7, viaGorm Item
	if err := im.gee.first(7, &gee); err != nil {
		t.Fatal(err)
	}
	if err := im.geeDay7.first(7, &geeDay7); err != nil {
		t.Fatal(err)
	}
	if err := im.gorm.First(&viaGorm, 7).Error; err != nil {
		t.Fatal(err)
	}
	var viaSqlx Item
	if err := im.sqlx.Get(&viaSqlx, selectSQL+` WHERE "ID" = ?`, 7); err != nil {
		t.Fatal(err)
	}
	if want := newItem(7); gee != want || geeDay7 != want || viaGorm != want || viaSqlx != want {
		t.Fatalf("row 7: gee %+v, gee-day7 %+v, gorm %+v, sqlx %+v; want %+v", gee, geeDay7, viaGorm, viaSqlx, want)
	}
}
