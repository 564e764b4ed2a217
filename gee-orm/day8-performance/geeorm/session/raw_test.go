package session

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/log"

	_ "github.com/mattn/go-sqlite3"
)

func newTestDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(t.TempDir(), "gee.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func newTestSession(t *testing.T) *Session {
	t.Helper()
	dial, _ := dialect.GetDialect("sqlite3")
	return New(newTestDB(t), dial)
}

// captureLog sends the log to a buffer for the rest of the test.
func captureLog(t *testing.T) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	log.SetOutput(&buf)
	t.Cleanup(func() { log.SetOutput(os.Stdout) })
	return &buf
}

func TestExecQueryRowQueryRows(t *testing.T) {
	s := newTestSession(t)
	if _, err := s.Raw("CREATE TABLE User(Name text, Age integer)").Exec(); err != nil {
		t.Fatal(err)
	}
	result, err := s.Raw("INSERT INTO User(Name, Age) VALUES (?, ?),", "Tom", 18).Raw("(?, ?)", "Sam", 25).Exec()
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := result.RowsAffected(); n != 2 {
		t.Fatalf("RowsAffected = %d, want 2", n)
	}

	var age int
	if err := s.Raw("SELECT Age FROM User WHERE Name = ?", "Sam").QueryRow().Scan(&age); err != nil || age != 25 {
		t.Fatalf("QueryRow: age = %d, %v; want 25, nil", age, err)
	}

	rows, err := s.Raw("SELECT Name FROM User ORDER BY Age").QueryRows()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "Tom,Sam" {
		t.Fatalf("names = %v, want [Tom Sam]", names)
	}
}

func TestValuesAreBoundNotSpliced(t *testing.T) {
	s := newTestSession(t)
	_, _ = s.Raw("CREATE TABLE User(Name text)").Exec()
	evil := "Robert'); DROP TABLE User;--"
	if _, err := s.Raw("INSERT INTO User(Name) VALUES (?)", evil).Exec(); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := s.Raw("SELECT Name FROM User").QueryRow().Scan(&got); err != nil || got != evil {
		t.Fatalf("read back %q, %v; want %q", got, err, evil)
	}
}

func TestStatementsAndErrorsAreLogged(t *testing.T) {
	buf := captureLog(t)
	s := newTestSession(t)
	_, _ = s.Raw("CREATE TABLE User(Name text)").Exec()
	_, _ = s.Raw("INSERT INTO User(Name) VALUES (?)", "Tom").Exec()
	if _, err := s.Raw("CREATE TABLE User(Name text)").Exec(); err == nil {
		t.Fatal("creating an existing table: want an error")
	}
	out := buf.String()
	for _, want := range []string{
		"[info]  ", `INSERT INTO User(Name) VALUES (?) ["Tom"]`,
		"[error] ", "table User already exists",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}

	buf.Reset()
	log.SetLevel(log.Disabled)
	defer log.SetLevel(log.InfoLevel)
	_, _ = s.Raw("INSERT INTO User(Name) VALUES (?)", "Sam").Exec()
	if buf.Len() != 0 {
		t.Errorf("log with level Disabled wrote %q", buf.String())
	}
}

func TestClearAfterEachStatement(t *testing.T) {
	s := newTestSession(t)
	_, _ = s.Raw("CREATE TABLE User(Name text)").Exec()
	// A second statement must not inherit the first one's text or values.
	if _, err := s.Raw("INSERT INTO User(Name) VALUES (?)", "Tom").Exec(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.Raw("SELECT count(*) FROM User").QueryRow().Scan(&n); err != nil || n != 1 {
		t.Fatalf("count = %d, %v; want 1, nil", n, err)
	}
}

func TestRawDoesNotWriteIntoCallersSlice(t *testing.T) {
	values := make([]any, 1, 4)
	values[0] = "first"
	s := &Session{}
	s.Raw("SELECT ?", values...).Raw("UNION SELECT ?", "second")
	if got := values[:2]; got[1] != nil {
		t.Fatalf("a second Raw wrote %v into the caller's array", got[1])
	}
	if s.sql != "SELECT ? UNION SELECT ?" || len(s.sqlVars) != 2 || s.sqlVars[1] != "second" {
		t.Fatalf("statement %q %v", s.sql, s.sqlVars)
	}
}

func TestLoggedValuesShowEveryValue(t *testing.T) {
	got := loggedValues([]any{1, "Tom again", "", nil, []byte("ab")})
	if want := `[1 "Tom again" "" <nil> [97 98]]`; got != want {
		t.Fatalf("loggedValues = %s, want %s", got, want)
	}
	if got := loggedValues(nil); got != "[]" {
		t.Fatalf("loggedValues(nil) = %s, want []", got)
	}
}
