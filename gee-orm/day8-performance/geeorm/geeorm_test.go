package geeorm

import (
	"database/sql"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mattn/go-sqlite3"
)

func newTestEngine(t *testing.T) *Engine {
	t.Helper()
	engine, err := NewEngine("sqlite3", filepath.Join(t.TempDir(), "gee.db"))
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	t.Cleanup(func() { _ = engine.Close() })
	return engine
}

func TestNewEngineRunsStatements(t *testing.T) {
	engine := newTestEngine(t)
	s := engine.NewSession()
	if _, err := s.Raw("CREATE TABLE User(Name text)").Exec(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Raw("INSERT INTO User(Name) VALUES (?), (?)", "Tom", "Sam").Exec(); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := engine.NewSession().Raw("SELECT count(*) FROM User").QueryRow().Scan(&n); err != nil || n != 2 {
		t.Fatalf("count = %d, %v; want 2, nil", n, err)
	}
}

func TestNewEngineErrors(t *testing.T) {
	tests := []struct {
		name, driver, source, want string
	}{
		{"unknown driver", "no-such-driver", "x.db", "geeorm: open no-such-driver"},
		{"unreachable database", "sqlite3", filepath.Join(t.TempDir(), "missing", "dir", "gee.db"), "geeorm: ping sqlite3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			engine, err := NewEngine(tt.driver, tt.source)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewEngine error = %v, want one containing %q", err, tt.want)
			}
			if engine != nil {
				t.Fatalf("NewEngine returned an engine with the error %v", err)
			}
		})
	}
}

// The well-known version returned a nil engine and a nil error here, and
// the first call on the engine panicked.
func TestNewEngineWithoutDialectIsAnError(t *testing.T) {
	// Registered once per process: sql.Register panics on a second call (go test -count=2).
	if !slices.Contains(sql.Drivers(), "sqlite3-without-dialect") {
		sql.Register("sqlite3-without-dialect", &sqlite3.SQLiteDriver{})
	}
	engine, err := NewEngine("sqlite3-without-dialect", filepath.Join(t.TempDir(), "gee.db"))
	if err == nil || err.Error() != "geeorm: dialect sqlite3-without-dialect not found" {
		t.Fatalf("err = %v, want geeorm: dialect sqlite3-without-dialect not found", err)
	}
	if engine != nil {
		t.Fatal("NewEngine returned an engine with its error")
	}
}
