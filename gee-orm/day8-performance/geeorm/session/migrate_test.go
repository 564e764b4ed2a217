package session

import (
	"strings"
	"testing"

	"gee-orm/day8-performance/geeorm/dialect"
)

// lookupFails is sqlite3 with a table lookup the database rejects.
type lookupFails struct{ dialect.Dialect }

func (lookupFails) TableExistSQL(name string) (string, []any) {
	return "SELECT name FROM no_such_catalogue WHERE name = ?", []any{name}
}

// Migrate once took a failed lookup for a missing table and went on to
// create it; the caller got "table already exists", or on an empty
// database a table and no error.
func TestMigrateReturnsTheTableLookupError(t *testing.T) {
	sqlite, _ := dialect.GetDialect("sqlite3")
	db := newTestDB(t)
	for _, exists := range []bool{true, false} {
		s := New(db, lookupFails{sqlite}).Model(&User{})
		if exists {
			if err := s.CreateTable(); err != nil {
				t.Fatal(err)
			}
		}
		err := s.Migrate()
		if err == nil || !strings.Contains(err.Error(), "session: migrate User") || !strings.Contains(err.Error(), "no_such_catalogue") {
			t.Fatalf("Migrate (table exists: %v) = %v, want the lookup's error", exists, err)
		}
		if err := s.DropTable(); err != nil {
			t.Fatal(err)
		}
	}
}
