package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// The gee-orm part of the tour. It builds gee-orm/day7-migrate and runs it against a SQLite
// file in the tour's temporary folder: -mode setup creates a table from a struct, inserts,
// finds, updates, counts and runs a transaction that fails; -mode migrate migrates the table to
// a new struct. After each, a second process (-mode show) reads the file back on its own, so the
// checks rest on what is in the database, not only on what the demo said it did.

func init() { registerTour("gee-orm", ormTour) }

var (
	ormRowLine     = regexp.MustCompile(`(?m)^row: (.*)$`)
	ormColumnsLine = regexp.MustCompile(`(?m)^columns: (.*)$`)
	ormTableLine   = regexp.MustCompile(`(?m)^table: (.*)$`)
)

// ormShown is what -mode show printed: the table's definition, columns and rows (cells split).
type ormShown struct {
	definition string
	columns    string
	rows       [][]string
}

func parseORMShow(out string) ormShown {
	var s ormShown
	if m := ormTableLine.FindStringSubmatch(out); m != nil {
		s.definition = m[1]
	}
	if m := ormColumnsLine.FindStringSubmatch(out); m != nil {
		s.columns = m[1]
	}
	for _, m := range ormRowLine.FindAllStringSubmatch(out, -1) {
		cells := strings.Split(m[1], " | ")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		s.rows = append(s.rows, cells)
	}
	return s
}

// column returns cell i of every row.
func (s ormShown) column(i int) []string {
	var cells []string
	for _, row := range s.rows {
		if i < len(row) {
			cells = append(cells, row[i])
		} else {
			cells = append(cells, "<missing>")
		}
	}
	return cells
}

// ormHasLine reports whether out has a line exactly equal to line.
func ormHasLine(out, line string) bool {
	return slices.Contains(strings.Split(strings.ReplaceAll(out, "\r", ""), "\n"), line)
}

func ormTour(t *Tour) error {
	bin, err := t.Build("gee-orm/day7-migrate")
	if err != nil {
		return err
	}
	db := filepath.Join(t.TempDir(), "gee-orm-tour.db")

	t.Say("Create a User table from a struct, insert, find, update, count, and run a transaction that fails (every SQL statement is logged)")
	out, err := t.RunCmd("setup", bin, "-db", db, "-mode", "setup")
	if err != nil {
		return err
	}
	t.Check(strings.Contains(out, `CREATE TABLE "User" ("ID" integer PRIMARY KEY, "Name" text, "Age" integer)`),
		"the table was created from the struct, ID as primary key")
	t.Check(ormHasLine(out, "inserted: 3"), "three users inserted in one statement")
	t.Check(strings.Count(out, `INSERT INTO "User"`) == 2, "the log shows the INSERT statements (the setup's and the transaction's)")
	t.Check(ormHasLine(out, "older than 20: [{3 Kate 30} {2 Sam 25}]"), "Find with Where and OrderBy returned Kate and Sam, oldest first")
	t.Check(ormHasLine(out, "updated: 1, Tom's age: 19"), "Update changed one row and First read Tom's new age")
	t.Check(ormHasLine(out, "count: 3"), "Count says 3")
	t.Check(strings.Contains(out, "transaction rollback") && ormHasLine(out, "transaction rolled back: payment declined"),
		"the failing transaction was rolled back and its error returned")
	t.Check(ormHasLine(out, "count after failed transaction: 3") &&
		ormHasLine(out, "Tom's age after failed transaction: 19, Eve found: false"),
		"after the failed transaction: still 3 rows, no Eve, Tom still 19")

	t.Say("Read the file back with a second process, which knows no structs (-mode show)")
	out, err = t.RunCmd("show", bin, "-db", db, "-mode", "show")
	if err != nil {
		return err
	}
	shown := parseORMShow(out)
	t.Check(shown.columns == "ID, Name, Age", "the file's User table has columns ID, Name, Age (got %q)", shown.columns)
	t.Check(slices.Equal(shown.column(1), []string{"Tom", "Sam", "Kate"}), "its rows are Tom, Sam, Kate and no Eve (got %v)", shown.column(1))
	t.Check(slices.Equal(shown.column(2), []string{"19", "25", "30"}), "ages 19, 25, 30: the update is stored, the rolled-back one is not (got %v)", shown.column(2))

	t.Say("Migrate the table to a new struct: Age removed, Email added, in one transaction")
	out, err = t.RunCmd("migrate", bin, "-db", db, "-mode", "migrate")
	if err != nil {
		return err
	}
	t.Check(strings.Contains(out, `CREATE TABLE "geeorm_migrate_User" ("ID" integer PRIMARY KEY, "Name" text, "Email" text)`) &&
		strings.Contains(out, `ALTER TABLE "geeorm_migrate_User" RENAME TO "User"`) && strings.Contains(out, "transaction commit"),
		"the table was rebuilt from the new struct's full definition and the transaction committed")
	t.Check(ormHasLine(out, "migrated: columns ID, Name, Email"), "the demo reports the new columns")
	t.Check(ormHasLine(out, "duplicate ID after migrate rejected: true"), "a second row with ID 1 is refused after the migration")
	t.Check(ormHasLine(out, "count after migrate: 3"), "Count after the migration says 3")

	t.Say("Read the migrated file back with a second process")
	out, err = t.RunCmd("show", bin, "-db", db, "-mode", "show")
	if err != nil {
		return err
	}
	shown = parseORMShow(out)
	t.Check(shown.columns == "ID, Name, Email", "the file's User table now has columns ID, Name, Email (got %q)", shown.columns)
	t.Check(strings.Contains(shown.definition, `"ID" integer PRIMARY KEY`), "the primary key survived the migration: %s", shown.definition)
	t.Check(slices.Equal(shown.column(0), []string{"1", "2", "3"}) && slices.Equal(shown.column(1), []string{"Tom", "Sam", "Kate"}),
		"every row kept its ID and Name (got %v %v)", shown.column(0), shown.column(1))
	t.Check(slices.Equal(shown.column(2), []string{"tom@example.com", "", ""}),
		"the new Email column holds Tom's address and empty values for the others (got %q)", shown.column(2))
	if len(shown.rows) != 3 {
		return fmt.Errorf("show printed %d rows after the migration, want 3", len(shown.rows))
	}
	return nil
}
