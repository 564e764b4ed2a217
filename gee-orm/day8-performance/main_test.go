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
		{"unknown mode", []string{"-db", filepath.Join(dir, "mode.db"), "-mode", "nope"}, `unknown mode "nope"`},
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

var (
	setupLines = []string{
		"inserted: 3",
		"older than 20: [{3 Kate 30} {2 Sam 25}]",
		"updated: 1, Tom's age: 19",
		"count: 3",
		"transaction rolled back: payment declined",
		"count after failed transaction: 3",
		"Tom's age after failed transaction: 19, Eve found: false",
	}
	migrateLines = []string{
		"migrated: columns ID, Name, Email",
		`after migrate: 1 Tom "tom@example.com"`,
		`after migrate: 2 Sam ""`,
		`after migrate: 3 Kate ""`,
		"duplicate ID after migrate rejected: true",
		"count after migrate: 3",
	}
	// What the file holds after setup and after migrate, read with database/sql.
	setupColumns   = []string{"ID | integer | 1", "Name | text | 0", "Age | integer | 0"}
	setupRows      = []string{"1 | Tom | 19", "2 | Sam | 25", "3 | Kate | 30"}
	migrateColumns = []string{"ID | integer | 1", "Name | text | 0", "Email | text | 0"}
	migrateRows    = []string{"1 | Tom | tom@example.com", "2 | Sam | ", "3 | Kate | "}
)

// checkFile fails unless the file holds just the User table with columns
// (name | type | primary key) and rows.
func checkFile(t *testing.T, path string, columns, rows []string) {
	t.Helper()
	db := openDB(t, path)
	if got := queryRows(t, db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"); !slices.Equal(got, []string{"User"}) {
		t.Errorf("the file holds tables %q, want just User", got)
	}
	if got := queryRows(t, db, "SELECT name, lower(type), pk FROM pragma_table_info('User') ORDER BY cid"); !slices.Equal(got, columns) {
		t.Errorf("User has columns %q, want %q", got, columns)
	}
	if got := queryRows(t, db, `SELECT * FROM "User" ORDER BY "ID"`); !slices.Equal(got, rows) {
		t.Errorf("User holds %q, want %q", got, rows)
	}
}

// TestRunModesAsTheTourDoes runs setup, show, migrate and show on one file,
// each as its own run, as the tour runs them as separate processes.
func TestRunModesAsTheTourDoes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")

	out, err := runDemo(t, "-db", path, "-mode", "setup")
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, out)
	}
	checkPrinted(t, out, setupLines, []string{
		`CREATE TABLE "User" ("ID" integer PRIMARY KEY, "Name" text, "Age" integer) []`,
		`INSERT INTO "User" ("ID", "Name", "Age") VALUES (?, ?, ?) [4 "Eve" 22]`,
		"transaction rollback",
	})
	checkFile(t, path, setupColumns, setupRows)

	out, err = runDemo(t, "-db", path, "-mode", "show")
	if err != nil {
		t.Fatalf("show: %v\n%s", err, out)
	}
	checkPrinted(t, out, []string{
		`table: CREATE TABLE "User" ("ID" integer PRIMARY KEY, "Name" text, "Age" integer)`,
		"columns: ID, Name, Age",
		"row: 1 | Tom | 19",
		"row: 2 | Sam | 25",
		"row: 3 | Kate | 30",
		"rows: 3",
	}, nil)
	checkFile(t, path, setupColumns, setupRows) // show only reads

	out, err = runDemo(t, "-db", path, "-mode", "migrate")
	if err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	checkPrinted(t, out, migrateLines, []string{
		`CREATE TABLE "geeorm_migrate_User" ("ID" integer PRIMARY KEY, "Name" text, "Email" text)`,
		`ALTER TABLE "geeorm_migrate_User" RENAME TO "User"`,
		"transaction commit",
	})
	checkFile(t, path, migrateColumns, migrateRows)

	out, err = runDemo(t, "-db", path, "-mode", "show")
	if err != nil {
		t.Fatalf("show: %v\n%s", err, out)
	}
	checkPrinted(t, out, []string{
		`table: CREATE TABLE "User" ("ID" integer PRIMARY KEY, "Name" text, "Email" text)`,
		"columns: ID, Name, Email",
		"row: 1 | Tom | tom@example.com",
		"row: 2 | Sam | ",
		"row: 3 | Kate | ",
		"rows: 3",
	}, nil)
	checkFile(t, path, migrateColumns, migrateRows)
}

func TestRunAllIsSetupThenMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "demo.db")
	// The second run starts over: setup drops the migrated table first.
	for i := 1; i <= 2; i++ {
		out, err := runDemo(t, "-db", path) // -mode all is the default
		if err != nil {
			t.Fatalf("run %d: %v\n%s", i, err, out)
		}
		checkPrinted(t, out, append(slices.Clone(setupLines), migrateLines...), nil)
		checkFile(t, path, migrateColumns, migrateRows)
	}
}

func TestRunShowWithoutTableIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	out, err := runDemo(t, "-db", path, "-mode", "show")
	if err == nil || !strings.Contains(err.Error(), "no User table") {
		t.Errorf("show on an empty file = %v, want an error saying there is no User table", err)
	}
	if lines := resultLines(out); len(lines) != 0 {
		t.Errorf("show on an empty file printed %q, want only the statement log", lines)
	}
}
