package geeorm

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gee-orm/day8-performance/geeorm/dialect"
)

// Person is the table before migration; PersonV2 drops Age and adds Email
// and Nick (which has a DEFAULT); PersonByAge makes Age the primary key.
type Person struct {
	Name string `geeorm:"PRIMARY KEY"`
	Age  int
}

type PersonV2 struct {
	Name  string `geeorm:"PRIMARY KEY"`
	Email string `geeorm:"NOT NULL"`
	Nick  string `geeorm:"DEFAULT 'n/a'"`
}

func (PersonV2) TableName() string { return "Person" }

// PersonWithHandle adds a UNIQUE column: ALTER TABLE cannot add one, the
// rebuild gives both rows the same empty handle, and the copy fails.
type PersonWithHandle struct {
	Name   string `geeorm:"PRIMARY KEY"`
	Age    int
	Handle string `geeorm:"UNIQUE"`
}

func (PersonWithHandle) TableName() string { return "Person" }

func newPersonEngine(t *testing.T) *Engine {
	t.Helper()
	engine := newTestEngine(t)
	s := engine.NewSession().Model(&Person{})
	if err := s.CreateTable(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Insert(&Person{"Tom", 18}, &Person{"Sam", 18}); err != nil {
		t.Fatal(err)
	}
	return engine
}

// tableInfo reads the table's definition and column names from the database.
func tableInfo(t *testing.T, engine *Engine, table string) (definition string, columns []string) {
	t.Helper()
	s := engine.NewSession()
	if err := s.Raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).QueryRow().Scan(&definition); err != nil {
		t.Fatalf("definition of %s: %v", table, err)
	}
	rows, err := s.Raw("SELECT * FROM " + dialect.Quote(table)).QueryRows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if columns, err = rows.Columns(); err != nil {
		t.Fatal(err)
	}
	return definition, columns
}

func tableCount(t *testing.T, engine *Engine) int {
	t.Helper()
	var n int
	if err := engine.NewSession().Raw("SELECT count(*) FROM sqlite_master WHERE type = 'table'").QueryRow().Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrateKeepsDataAndPrimaryKey(t *testing.T) {
	engine := newPersonEngine(t)
	if err := engine.Migrate(&PersonV2{}); err != nil {
		t.Fatal(err)
	}
	definition, columns := tableInfo(t, engine, "Person")
	if want := []string{"Name", "Email", "Nick"}; !reflect.DeepEqual(columns, want) {
		t.Fatalf("columns after Migrate = %v, want %v", columns, want)
	}
	// The well-known version rebuilt the table with CREATE TABLE ... AS SELECT and lost these.
	if !strings.Contains(definition, `"Name" text PRIMARY KEY`) || !strings.Contains(definition, `"Email" text NOT NULL`) {
		t.Fatalf("definition after Migrate lost its constraints: %s", definition)
	}
	var people []PersonV2
	if err := engine.NewSession().OrderBy("Name").Find(&people); err != nil {
		t.Fatal(err)
	}
	want := []PersonV2{{"Sam", "", "n/a"}, {"Tom", "", "n/a"}}
	if !reflect.DeepEqual(people, want) {
		t.Fatalf("rows after Migrate = %+v, want %+v", people, want)
	}
	if _, err := engine.NewSession().Insert(&PersonV2{Name: "Tom"}); err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed") {
		t.Fatalf("second Tom after Migrate: err = %v, want the primary key to refuse it", err)
	}
	if n := tableCount(t, engine); n != 1 {
		t.Fatalf("%d tables after Migrate, want 1 (no leftover)", n)
	}
	if inUse := engine.db.Stats().InUse; inUse != 0 {
		t.Fatalf("%d connections in use after Migrate, want 0", inUse)
	}
}

// A failing step rolls the whole migration back. The well-known version
// ignored the errors of its steps and ran them outside a transaction.
func TestMigrateFailureLeavesTableAsItWas(t *testing.T) {
	engine := newPersonEngine(t)
	before, _ := tableInfo(t, engine, "Person")
	err := engine.Migrate(&PersonWithHandle{})
	if err == nil || !strings.Contains(err.Error(), "session: migrate Person") || !strings.Contains(err.Error(), "UNIQUE constraint failed") {
		t.Fatalf("Migrate = %v, want the copy's UNIQUE constraint error", err)
	}
	after, columns := tableInfo(t, engine, "Person")
	if after != before || !reflect.DeepEqual(columns, []string{"Name", "Age"}) {
		t.Fatalf("table changed by a failed Migrate:\nbefore %s\nafter  %s %v", before, after, columns)
	}
	var people []Person
	if err := engine.NewSession().OrderBy("Name").Find(&people); err != nil || len(people) != 2 || people[1] != (Person{"Tom", 18}) {
		t.Fatalf("rows after a failed Migrate = %+v, %v", people, err)
	}
	if n := tableCount(t, engine); n != 1 {
		t.Fatalf("%d tables after a failed Migrate, want 1", n)
	}
	if inUse := engine.db.Stats().InUse; inUse != 0 {
		t.Fatalf("%d connections in use after a failed Migrate, want 0", inUse)
	}
}

func TestMigrateCreatesMissingTableAndIsIdempotent(t *testing.T) {
	engine := newTestEngine(t)
	for i := 0; i < 2; i++ {
		if err := engine.Migrate(&Person{}); err != nil {
			t.Fatalf("Migrate #%d: %v", i+1, err)
		}
		if i == 0 {
			if _, err := engine.NewSession().Insert(&Person{"Tom", 18}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n, err := engine.NewSession().Model(&Person{}).Count(); err != nil || n != 1 {
		t.Fatalf("rows after two Migrates = %d, %v; want 1", n, err)
	}
}

func TestMigrateBadModelIsAnError(t *testing.T) {
	engine := newTestEngine(t)
	for _, model := range []any{nil, 42, &struct{ M map[int]int }{}} {
		if err := engine.Migrate(model); err == nil {
			t.Errorf("Migrate(%T) = nil, want an error", model)
		}
	}
}

// SQLite column names ignore ASCII case: a table created by hand with
// "name" and "age" already holds the fields Name and Age. Taking them for
// new columns would have replaced every name and age with a zero value.
// Only nickname goes; the columns keep the names they have.
func TestMigrateMatchesColumnNamesWithoutCase(t *testing.T) {
	engine := newTestEngine(t)
	s := engine.NewSession()
	if _, err := s.Raw(`CREATE TABLE "Person" (name text, age integer, nickname text)`).Exec(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Raw(`INSERT INTO "Person" VALUES ('Tom', 18, 'T'), ('Sam', 25, 'S')`).Exec(); err != nil {
		t.Fatal(err)
	}
	if err := engine.Migrate(&Person{}); err != nil {
		t.Fatal(err)
	}
	_, columns := tableInfo(t, engine, "Person")
	if want := []string{"name", "age"}; !reflect.DeepEqual(columns, want) {
		t.Fatalf("columns after Migrate = %v, want %v", columns, want)
	}
	var people []Person
	if err := engine.NewSession().OrderBy("Name").Find(&people); err != nil {
		t.Fatal(err)
	}
	if want := []Person{{"Sam", 25}, {"Tom", 18}}; !reflect.DeepEqual(people, want) {
		t.Fatalf("rows after Migrate = %+v, want %+v", people, want)
	}
}

// QuotedPerson's table name holds the quote character.
type QuotedPerson struct {
	Name  string `geeorm:"PRIMARY KEY"`
	Email string
}

func (QuotedPerson) TableName() string { return `the "people"` }

func TestMigrateTableNameWithQuotes(t *testing.T) {
	engine := newTestEngine(t)
	s := engine.NewSession()
	if _, err := s.Raw(`CREATE TABLE "the ""people""" ("Name" text PRIMARY KEY, "Age" integer)`).Exec(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Raw(`INSERT INTO "the ""people""" VALUES ('Tom', 18)`).Exec(); err != nil {
		t.Fatal(err)
	}
	if err := engine.Migrate(&QuotedPerson{}); err != nil {
		t.Fatal(err)
	}
	definition, columns := tableInfo(t, engine, `the "people"`)
	if !reflect.DeepEqual(columns, []string{"Name", "Email"}) || !strings.Contains(definition, "PRIMARY KEY") {
		t.Fatalf("after Migrate: %s %v", definition, columns)
	}
	var people []QuotedPerson
	if err := engine.NewSession().Find(&people); err != nil || len(people) != 1 || people[0] != (QuotedPerson{"Tom", ""}) {
		t.Fatalf("rows after Migrate = %+v, %v", people, err)
	}
}

// The schema of TestMigrateKeepsEveryRowAndObject: Parent, three tables
// of children that reference it with each ON DELETE action, a log that a
// trigger on Parent and one on a child table write to, an index on
// Parent, and a view of it.
const familySchema = `
CREATE TABLE "Parent" ("ID" integer PRIMARY KEY, "Code" text UNIQUE, "Note" text, "Legacy" text UNIQUE);
CREATE TABLE CascadeChild (ID integer PRIMARY KEY, ParentID integer REFERENCES "Parent" (ID) ON DELETE CASCADE);
CREATE TABLE NullChild (ID integer PRIMARY KEY, ParentID integer REFERENCES "Parent" (ID) ON DELETE SET NULL);
CREATE TABLE StrictChild (ID integer PRIMARY KEY, ParentID integer REFERENCES "Parent" (ID));
CREATE TABLE Log (Msg text);
INSERT INTO "Parent" VALUES (1, 'a', 'n1', 'l1'), (2, 'b', 'n2', 'l2'), (3, 'c', 'n3', 'l3'), (4, 'd', 'n4', 'l4'), (5, 'e', 'n5', 'l5');
INSERT INTO CascadeChild VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5);
INSERT INTO NullChild VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5);
INSERT INTO StrictChild VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5);
CREATE INDEX ParentNote ON "Parent" (Note);
CREATE TRIGGER ParentInsert AFTER INSERT ON "Parent" BEGIN INSERT INTO Log VALUES ('parent ' || new.ID); END;
CREATE TRIGGER ChildInsert AFTER INSERT ON CascadeChild BEGIN
	INSERT INTO Log SELECT 'child of ' || Code FROM "Parent" WHERE ID = new.ParentID; END;
CREATE VIEW ParentCodes AS SELECT ID, Code FROM "Parent";`

// ParentWithEmail adds a column SQLite can add in place.
type ParentWithEmail struct {
	ID     int    `geeorm:"PRIMARY KEY"`
	Code   string `geeorm:"UNIQUE"`
	Note   string
	Legacy string `geeorm:"UNIQUE"`
	Email  string
}

// ParentWithoutLegacy also drops Legacy, which SQLite cannot drop in place
// (it is UNIQUE): the table is rebuilt.
type ParentWithoutLegacy struct {
	ID    int    `geeorm:"PRIMARY KEY"`
	Code  string `geeorm:"UNIQUE"`
	Note  string
	Email string
}

func (ParentWithEmail) TableName() string     { return "Parent" }
func (ParentWithoutLegacy) TableName() string { return "Parent" }

// sqlObjects lists sqlite_master's entries other than the Parent table,
// which the rebuild replaces: "type name: sql".
func sqlObjects(t *testing.T, engine *Engine) []string {
	t.Helper()
	rows, err := engine.db.Query(`SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master WHERE name <> 'Parent' ORDER BY type, name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var objects []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			t.Fatal(err)
		}
		objects = append(objects, o)
	}
	return objects
}

// queryInt runs a query whose answer is one number.
func queryInt(t *testing.T, engine *Engine, query string) int {
	t.Helper()
	var n int
	if err := engine.db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// The well-known version rebuilt every migrated table with DROP TABLE,
// which with foreign keys on deleted every CASCADE child, blanked every
// SET NULL reference, failed on every NO ACTION child, dropped the table's
// index and triggers and failed on any view of the table. Migrate adds and
// drops in place where SQLite can, and otherwise rebuilds the table the way
// SQLite documents: every row and every object survives, with foreign keys
// on and off.
func TestMigrateKeepsEveryRowAndObject(t *testing.T) {
	for _, foreignKeys := range []bool{false, true} {
		for _, model := range []any{&ParentWithEmail{}, &ParentWithoutLegacy{}} {
			t.Run(fmt.Sprintf("foreign keys %v, %T", foreignKeys, model), func(t *testing.T) {
				source := filepath.Join(t.TempDir(), "gee.db")
				if foreignKeys {
					source += "?_foreign_keys=1"
				}
				engine, err := NewEngine("sqlite3", source)
				if err != nil {
					t.Fatal(err)
				}
				defer engine.Close()
				// One connection: the one Migrate borrows must come back with foreign keys as they were.
				engine.db.SetMaxOpenConns(1)
				if _, err := engine.db.Exec(familySchema); err != nil {
					t.Fatal(err)
				}
				objects := sqlObjects(t, engine)
				if _, rebuilt := model.(*ParentWithoutLegacy); rebuilt {
					// Legacy's UNIQUE index goes with Legacy.
					objects = slices.DeleteFunc(objects, func(o string) bool { return o == "index sqlite_autoindex_Parent_2: " })
				}

				if err := engine.Migrate(model); err != nil {
					t.Fatal(err)
				}
				if got := queryInt(t, engine, "PRAGMA foreign_keys"); got != map[bool]int{false: 0, true: 1}[foreignKeys] {
					t.Errorf("PRAGMA foreign_keys after Migrate = %d, want it as it was", got)
				}
				if got := sqlObjects(t, engine); !reflect.DeepEqual(got, objects) {
					t.Errorf("objects after Migrate:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(objects, "\n"))
				}
				for query, want := range map[string]int{
					`SELECT count(*) FROM "Parent" WHERE Note = 'n' || ID AND Email = ''`:        5,
					`SELECT count(*) FROM CascadeChild WHERE ParentID = ID`:                      5,
					`SELECT count(*) FROM NullChild WHERE ParentID = ID`:                         5,
					`SELECT count(*) FROM StrictChild WHERE ParentID = ID`:                       5,
					`SELECT count(*) FROM ParentCodes`:                                           5,
					`SELECT count(*) FROM pragma_foreign_key_check`:                              0,
					`SELECT count(*) FROM pragma_index_list('Parent') WHERE name = 'ParentNote'`: 1,
					`SELECT count(*) FROM Log`:                                                   0,
				} {
					if got := queryInt(t, engine, query); got != want {
						t.Errorf("%s = %d, want %d", query, got, want)
					}
				}
				// The constraints and triggers still work.
				if _, err := engine.db.Exec(`INSERT INTO "Parent" (ID, Code) VALUES (6, 'a')`); err == nil || !strings.Contains(err.Error(), "UNIQUE") {
					t.Errorf("a second Code a: err = %v, want the UNIQUE constraint", err)
				}
				if _, err := engine.db.Exec(`INSERT INTO "Parent" (ID, Code) VALUES (6, 'f'); INSERT INTO CascadeChild VALUES (6, 6)`); err != nil {
					t.Fatal(err)
				}
				if got := queryInt(t, engine, `SELECT count(*) FROM Log WHERE Msg IN ('parent 6', 'child of f')`); got != 2 {
					t.Errorf("the triggers wrote %d log rows, want 2", got)
				}
				_, err = engine.db.Exec(`INSERT INTO StrictChild VALUES (9, 99)`)
				if foreignKeys && (err == nil || !strings.Contains(err.Error(), "FOREIGN KEY")) {
					t.Errorf("a child of no parent with foreign keys on: err = %v, want FOREIGN KEY constraint failed", err)
				}
			})
		}
	}
}

// ParentWithOwner adds a reference whose zero value, 0, names no parent.
type ParentWithOwner struct {
	ID     int    `geeorm:"PRIMARY KEY"`
	Code   string `geeorm:"UNIQUE"`
	Note   string
	Legacy string `geeorm:"UNIQUE"`
	Owner  int    `geeorm:"REFERENCES Parent (ID)"`
}

func (ParentWithOwner) TableName() string { return "Parent" }

// With foreign keys on, PRAGMA foreign_key_check runs before the commit:
// a migration that leaves a row referencing nothing is refused whole.
func TestMigrateRefusesAChangeThatBreaksForeignKeys(t *testing.T) {
	engine, err := NewEngine("sqlite3", filepath.Join(t.TempDir(), "gee.db")+"?_foreign_keys=1")
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	if _, err := engine.db.Exec(familySchema); err != nil {
		t.Fatal(err)
	}
	err = engine.Migrate(&ParentWithOwner{})
	if err == nil || !strings.Contains(err.Error(), "row 1 of Parent references a row of Parent that does not exist") {
		t.Fatalf("Migrate = %v, want the foreign key check's error", err)
	}
	if got := queryInt(t, engine, `SELECT count(*) FROM pragma_table_info('Parent') WHERE name = 'Owner'`); got != 0 {
		t.Fatal("the refused migration added Owner")
	}
}

// Tiered's new columns have constraints that merely contain the word
// DEFAULT. The well-known version searched the tag for it: the first
// column made the migration fail, the second got NULL in every row and
// every Find failed after it.
type Tiered struct {
	Name   string `geeorm:"PRIMARY KEY"`
	Age    int
	Tier   string `geeorm:"NOT NULL CHECK (Tier <> 'DEFAULT')"`
	TierID int    `geeorm:"REFERENCES \"DefaultTier\" (ID)"`
}

func (Tiered) TableName() string { return "Person" }

func TestMigrateReadsDefaultAsSQLDoes(t *testing.T) {
	engine := newPersonEngine(t)
	if err := engine.Migrate(&Tiered{}); err != nil {
		t.Fatal(err)
	}
	var people []Tiered
	if err := engine.NewSession().OrderBy("Name").Find(&people); err != nil {
		t.Fatal(err)
	}
	if want := []Tiered{{"Sam", 18, "", 0}, {"Tom", 18, "", 0}}; !reflect.DeepEqual(people, want) {
		t.Fatalf("rows after Migrate = %+v, want %+v", people, want)
	}
}
