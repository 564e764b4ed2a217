// Command day8-performance is geeorm's final demo: it creates a table from a
// struct, inserts, finds, updates and counts, shows a failed transaction
// leave nothing behind, and migrates the table to a new struct keeping
// its rows and primary key. Every SQL statement is logged.
//
//	go run ./gee-orm/day8-performance [-db path] [-mode all|setup|migrate|show]
//
// -mode setup runs the steps up to the failed transaction, -mode migrate
// the migration, -mode all both; -mode show only reads the database file
// and prints its table definition and rows, so a second run can check
// what the first one left.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gee-orm/day8-performance/geeorm"
	"gee-orm/day8-performance/geeorm/log"
	"gee-orm/day8-performance/geeorm/session"

	_ "github.com/mattn/go-sqlite3"
)

// User is the table's first shape.
type User struct {
	ID   int `geeorm:"PRIMARY KEY"`
	Name string
	Age  int
}

// UserV2 is the table's second shape: Age is gone, Email is new.
type UserV2 struct {
	ID    int `geeorm:"PRIMARY KEY"`
	Name  string
	Email string
}

// TableName keeps UserV2 in the User table.
func (UserV2) TableName() string { return "User" }

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// run is the whole demo; tests call it with their own arguments and writer.
// Everything the demo prints goes to stdout, the statement log included.
func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("day8-performance", flag.ContinueOnError)
	dbPath := fs.String("db", filepath.Join(os.TempDir(), "gee-orm-demo.db"), "SQLite database file to use")
	mode := fs.String("mode", "all", "all, setup, migrate or show")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: day8-performance [-db path] [-mode all|setup|migrate|show]
Walks geeorm through a table's life, logging every statement:
  setup    create User from a struct, insert, find, update, count, and a failed transaction
  migrate  migrate User to a struct without Age and with Email
  all      setup then migrate
  show     only read the file: print the table's definition and rows
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// Checked before the database is opened, which would create the file.
	steps, ok := modes[*mode]
	if !ok {
		return fmt.Errorf("unknown mode %q (want all, setup, migrate or show)", *mode)
	}
	log.SetOutput(stdout)
	return demo(*dbPath, steps, stdout)
}

// modes lists the steps each -mode runs, in order.
var modes = map[string][]func(*geeorm.Engine, io.Writer) error{
	"setup":   {setup},
	"migrate": {migrate},
	"all":     {setup, migrate},
	"show":    {show},
}

// demo runs steps on the database at dbPath and prints what they return
// to stdout.
func demo(dbPath string, steps []func(*geeorm.Engine, io.Writer) error, stdout io.Writer) error {
	engine, err := geeorm.NewEngine("sqlite3", dbPath)
	if err != nil {
		return err
	}
	defer engine.Close()

	for _, step := range steps {
		if err := step(engine, stdout); err != nil {
			return err
		}
	}
	return nil
}

func setup(engine *geeorm.Engine, stdout io.Writer) error {
	s := engine.NewSession().Model(&User{})
	if err := s.DropTable(); err != nil {
		return err
	}
	if err := s.CreateTable(); err != nil {
		return err
	}
	n, err := s.Insert(&User{1, "Tom", 18}, &User{2, "Sam", 25}, &User{3, "Kate", 30})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "inserted:", n)

	var users []User
	if err := s.Where("Age > ?", 20).OrderBy("Age DESC").Find(&users); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "older than 20:", users)

	if n, err = s.Where("Name = ?", "Tom").Update("Age", 19); err != nil {
		return err
	}
	var tom User
	if err := s.Where("Name = ?", "Tom").First(&tom); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "updated: %d, Tom's age: %d\n", n, tom.Age)
	if err := printCount(s, stdout, "count"); err != nil {
		return err
	}

	// Inserts Eve and ages Tom, then fails: all of it is rolled back.
	_, err = engine.Transaction(func(s *session.Session) (any, error) {
		if _, err := s.Insert(&User{4, "Eve", 22}); err != nil {
			return nil, err
		}
		if _, err := s.Model(&User{}).Where("Name = ?", "Tom").Update("Age", 99); err != nil {
			return nil, err
		}
		return nil, errors.New("payment declined")
	})
	fmt.Fprintln(stdout, "transaction rolled back:", err)
	if err := printCount(s, stdout, "count after failed transaction"); err != nil {
		return err
	}
	if err := s.Where("Name = ?", "Tom").First(&tom); err != nil {
		return err
	}
	err = s.Where("Name = ?", "Eve").First(&User{})
	fmt.Fprintf(stdout, "Tom's age after failed transaction: %d, Eve found: %v\n", tom.Age, !errors.Is(err, session.ErrRecordNotFound))
	return nil
}

func migrate(engine *geeorm.Engine, stdout io.Writer) error {
	if err := engine.Migrate(&UserV2{}); err != nil {
		return err
	}
	s := engine.NewSession().Model(&UserV2{})
	fmt.Fprintln(stdout, "migrated: columns", strings.Join(s.RefTable().FieldNames, ", "))
	if _, err := s.Where("Name = ?", "Tom").Update("Email", "tom@example.com"); err != nil {
		return err
	}
	var users []UserV2
	if err := s.OrderBy("ID").Find(&users); err != nil {
		return err
	}
	for _, u := range users {
		fmt.Fprintf(stdout, "after migrate: %d %s %q\n", u.ID, u.Name, u.Email)
	}
	_, err := s.Insert(&UserV2{ID: 1, Name: "Tom again"})
	fmt.Fprintln(stdout, "duplicate ID after migrate rejected:", err != nil)
	return printCount(s, stdout, "count after migrate")
}

func printCount(s *session.Session, stdout io.Writer, label string) error {
	count, err := s.Count()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d\n", label, count)
	return nil
}

// show prints what the file holds, without knowing the Go structs.
func show(engine *geeorm.Engine, stdout io.Writer) error {
	s := engine.NewSession()
	var definition string
	if err := s.Raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", "User").QueryRow().Scan(&definition); err != nil {
		return fmt.Errorf("no User table: %w", err)
	}
	fmt.Fprintln(stdout, "table:", definition)
	rows, err := s.Raw(`SELECT * FROM "User" ORDER BY 1`).QueryRows()
	if err != nil {
		return err
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "columns:", strings.Join(columns, ", "))
	count := 0
	for rows.Next() {
		values := make([]any, len(columns))
		ptrs := make([]any, len(columns))
		for i := range values {
			ptrs[i] = &values[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		cells := make([]string, len(values))
		for i, v := range values {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			cells[i] = fmt.Sprint(v)
		}
		fmt.Fprintln(stdout, "row:", strings.Join(cells, " | "))
		count++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "rows:", count)
	return nil
}
