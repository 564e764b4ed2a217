package geeorm

import (
	"reflect"
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

type PersonByAge struct {
	Name  string
	Age   int `geeorm:"PRIMARY KEY"`
	Email string
}

func (PersonByAge) TableName() string { return "Person" }

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
	// Tom and Sam are both 18: the copy breaks the new primary key.
	err := engine.Migrate(&PersonByAge{})
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
	if want := []string{"Name", "Age"}; !reflect.DeepEqual(columns, want) {
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
