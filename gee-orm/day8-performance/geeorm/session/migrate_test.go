package session

import (
	"slices"
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

// The well-known version counted any tag containing the text DEFAULT as a
// DEFAULT clause; hasDefault reads the constraints as SQL tokens.
func TestHasDefaultReadsTheConstraints(t *testing.T) {
	for constraints, want := range map[string]bool{
		"":                                      false,
		"DEFAULT 'n/a'":                         true,
		"NOT NULL default 0":                    true,
		"DEFAULT(1)":                            true,
		`NOT NULL CHECK (Tier <> 'DEFAULT')`:    false,
		`REFERENCES "DefaultTier" (ID)`:         false,
		"REFERENCES DefaultTier (ID)":           false,
		"REFERENCES [DEFAULT] (ID)":             false,
		"CHECK (x <> 'it''s') DEFAULT 'x'":      true,
		"CHECK (length(Code) > 0) NOT NULL":     false,
		"UNIQUE DEFAULT_X":                      false,
		"CHECK ((a) > 0) DEFAULT (abs(-1) + 2)": true,
	} {
		if got := hasDefault(constraints); got != want {
			t.Errorf("hasDefault(%q) = %v, want %v", constraints, got, want)
		}
	}
}

// SQLite matches column names ignoring ASCII case only.
func TestDifferenceIgnoresASCIICaseOnly(t *testing.T) {
	got := difference([]string{"Name", "Émile", "Age", "Email"}, []string{"name", "émile", "AGE"})
	if want := []string{"Émile", "Email"}; !slices.Equal(got, want) {
		t.Fatalf("difference = %v, want %v", got, want)
	}
}
