package session

import (
	"errors"
	"strings"
	"testing"
)

type User struct {
	Name string `geeorm:"PRIMARY KEY"`
	Age  int
}

func TestCreateHasDropTable(t *testing.T) {
	s := newTestSession(t).Model(&User{})
	if s.HasTable() {
		t.Fatal("HasTable before CreateTable = true")
	}
	if err := s.CreateTable(); err != nil {
		t.Fatal(err)
	}
	if !s.HasTable() {
		t.Fatal("HasTable after CreateTable = false")
	}
	// The tag's constraint reached the table: a second Tom breaks the primary key.
	if _, err := s.Raw(`INSERT INTO "User" VALUES (?, ?), (?, ?)`, "Tom", 1, "Tom", 2).Exec(); err == nil ||
		!strings.Contains(err.Error(), "UNIQUE constraint failed") {
		t.Fatalf("duplicate primary key: err = %v, want UNIQUE constraint failed", err)
	}
	if err := s.DropTable(); err != nil {
		t.Fatal(err)
	}
	if s.HasTable() {
		t.Fatal("HasTable after DropTable = true")
	}
}

// SQLite resolves table names ignoring ASCII case, so a table "user" is
// the table of User. The well-known version looked it up case-sensitively
// and said it did not exist, and creating it then failed.
func TestHasTableIgnoresASCIICase(t *testing.T) {
	s := newTestSession(t).Model(&User{})
	if _, err := s.Raw(`CREATE TABLE user (Name text PRIMARY KEY, Age integer)`).Exec(); err != nil {
		t.Fatal(err)
	}
	if !s.HasTable() {
		t.Fatal("HasTable with a table named user = false, want true")
	}
	if err := s.CreateTable(); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("CreateTable over user = %v, want SQLite's already exists", err)
	}
	// ASCII only: SQLite tells É from é.
	if _, err := s.Raw(`CREATE TABLE "émile" (Name text)`).Exec(); err != nil {
		t.Fatal(err)
	}
	if s.Model(&Émile{}).HasTable() {
		t.Fatal("a table of Émile found by a table named émile")
	}
}

// Émile's table differs from "émile" in a non-ASCII letter only.
type Émile struct{ Name string }

func TestModelSwitchesTable(t *testing.T) {
	s := newTestSession(t)
	if s.RefTable() != nil {
		t.Fatal("RefTable before Model is not nil")
	}
	first := s.Model(&User{}).RefTable()
	if s.Model(&User{Name: "other value, same type"}).RefTable() != first {
		t.Error("Model with the same type parsed the struct again")
	}
	if s.Model(User{}).RefTable() != first {
		t.Error("Model with the struct instead of a pointer parsed it again")
	}
	if got := s.Model(&Keywords{}).RefTable().Name; got != "Keywords" {
		t.Errorf("after Model(&Keywords{}) RefTable().Name = %q", got)
	}
}

// Keywords has columns named like SQL keywords; quoting makes them work.
type Keywords struct {
	Order int
	Group string
	Where string
}

func TestColumnsNamedLikeKeywords(t *testing.T) {
	s := newTestSession(t).Model(&Keywords{})
	if err := s.CreateTable(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Raw(`INSERT INTO "Keywords" ("Order", "Group", "Where") VALUES (?, ?, ?)`, 1, "g", "w").Exec(); err != nil {
		t.Fatal(err)
	}
	var group string
	if err := s.Raw(`SELECT "Group" FROM "Keywords" WHERE "Order" = ?`, 1).QueryRow().Scan(&group); err != nil || group != "g" {
		t.Fatalf("read back %q, %v", group, err)
	}
}

type Unstorable struct {
	Name  string
	Props map[string]string
}

func TestTableOperationsWithoutUsableModel(t *testing.T) {
	s := newTestSession(t)
	if err := s.CreateTable(); !errors.Is(err, ErrModelNotSet) {
		t.Errorf("CreateTable without Model: err = %v, want ErrModelNotSet", err)
	}
	if err := s.DropTable(); !errors.Is(err, ErrModelNotSet) {
		t.Errorf("DropTable without Model: err = %v, want ErrModelNotSet", err)
	}
	if s.HasTable() {
		t.Error("HasTable without Model = true")
	}
	s.Model(&Unstorable{})
	if err := s.CreateTable(); err == nil || !strings.Contains(err.Error(), "Unstorable.Props") {
		t.Errorf("CreateTable of a map field: err = %v, want one naming Unstorable.Props", err)
	}
	if s.HasTable() {
		t.Error("an unstorable model's table exists")
	}
	if err := s.Model(42).CreateTable(); err == nil || !strings.Contains(err.Error(), "not int") {
		t.Errorf("Model(42).CreateTable() = %v, want one naming int", err)
	}
}

// Quoted's table name holds the quote character itself; Quote doubles it.
type Quoted struct {
	ID    int `geeorm:"PRIMARY KEY"`
	Label string
}

func (Quoted) TableName() string { return `odd "quoted" table` }

func TestTableNameWithQuotes(t *testing.T) {
	s := newTestSession(t).Model(&Quoted{})
	if err := s.CreateTable(); err != nil {
		t.Fatal(err)
	}
	if !s.HasTable() {
		t.Fatal("HasTable after CreateTable = false")
	}
	var name string
	if err := s.Raw("SELECT name FROM sqlite_master WHERE type = 'table'").QueryRow().Scan(&name); err != nil || name != `odd "quoted" table` {
		t.Fatalf("table created as %q, %v", name, err)
	}
	if err := s.DropTable(); err != nil {
		t.Fatal(err)
	}
	if s.HasTable() {
		t.Fatal("HasTable after DropTable = true")
	}
}
