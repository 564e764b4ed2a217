package main

import (
	"bytes"
	"database/sql"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runDemo runs the demo with args and returns everything it printed.
func runDemo(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(args, &out)
	return out.String(), err
}

// resultLines drops the statement log ([info] and [error] lines, which carry
// the time of day) and keeps the lines the demo prints itself.
func resultLines(out string) []string {
	var lines []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !strings.HasPrefix(line, "[info]") && !strings.HasPrefix(line, "[error]") {
			lines = append(lines, line)
		}
	}
	return lines
}

// checkPrinted fails unless the demo's own lines are exactly want and the
// statement log holds every fragment of logged.
func checkPrinted(t *testing.T, out string, want, logged []string) {
	t.Helper()
	if got := resultLines(out); !slices.Equal(got, want) {
		t.Errorf("the demo printed\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, fragment := range logged {
		if !strings.Contains(out, fragment) {
			t.Errorf("the statement log lacks %q:\n%s", fragment, out)
		}
	}
}

// openDB opens the demo's file with database/sql alone, so the checks do
// not rest on geeorm reading back what geeorm wrote.
func openDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// queryRows returns every row of query with its cells joined by " | "
// (NULL shown as NULL).
func queryRows(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	columns, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		cells := make([]sql.NullString, len(columns))
		ptrs := make([]any, len(cells))
		for i := range cells {
			ptrs[i] = &cells[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		texts := make([]string, len(cells))
		for i, cell := range cells {
			texts[i] = cell.String
			if !cell.Valid {
				texts[i] = "NULL"
			}
		}
		got = append(got, strings.Join(texts, " | "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestRunHelpAndBadArguments(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		wantErr string // "" means no error
	}{
		{"help", []string{"-db", filepath.Join(dir, "help.db"), "-h"}, ""},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined: -nope"},
		{"stray argument", []string{"-db", filepath.Join(dir, "stray.db"), "extra"}, `unexpected argument "extra"`},
		{"database in a missing folder", []string{"-db", filepath.Join(dir, "missing", "demo.db")}, "geeorm: ping sqlite3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runDemo(t, tt.args...)
			if tt.wantErr == "" {
				if err != nil || out != "" {
					t.Errorf("run(%q) = %v, printed %q; want nil and nothing on stdout", tt.args, err, out)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
			if errors.Is(err, flag.ErrHelp) {
				t.Errorf("run(%q) returned flag.ErrHelp", tt.args)
			}
		})
	}
	// Help and bad arguments stop before the database is opened.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("the runs left %v in the folder, want nothing", entries)
	}
}

func TestRunPrintsResultsAndStoresRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	for i := 1; i <= 2; i++ {
		out, err := runDemo(t, "-db", path)
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out)
		}
		checkPrinted(t, out, []string{
			"  hook BeforeInsert: account 1 becomes 1001",
			"  hook BeforeInsert: account 2 becomes 1002",
			"first transaction: committed",
			"count: 2",
			"  hook BeforeInsert: account 3 becomes 1003",
			"second transaction: rolled back: the bank is closed",
			"count: 2",
			`table after migrate: CREATE TABLE "Account" ("ID" integer PRIMARY KEY, "Email" text DEFAULT '')`,
			"accounts after migrate: [{ID:1001 Email:} {ID:1002 Email:}]",
		}, []string{
			`INSERT INTO "Account" ("ID", "Password") VALUES (?, ?), (?, ?) [1001 "qwerty" 1002 "123456"]`,
			"transaction commit",
			`INSERT INTO "Account" ("ID", "Password") VALUES (?, ?) [1003 "letmein"]`,
			"transaction rollback",
			"migrate: table Account adds columns [Email], removes columns [Password]",
			`ALTER TABLE "Account" ADD COLUMN "Email" text DEFAULT '' []`,
			`ALTER TABLE "Account" DROP COLUMN "Password" []`,
		})
		// The committed pair is stored, migrated in place: Password gone,
		// Email empty; 1003 was inserted and rolled back.
		want := []string{"1001 | ", "1002 | "}
		if got := queryRows(t, openDB(t, path), `SELECT * FROM "Account" ORDER BY "ID"`); !slices.Equal(got, want) {
			t.Errorf("after run %d the Account table holds %q, want %q", i, got, want)
		}
	}
}
