package session

import (
	"cmp"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/log"
	"gee-orm/day8-performance/geeorm/schema"
)

// Migrate brings the model's table to the model's fields: it creates a
// missing table, adds and drops columns with ALTER TABLE where SQLite
// allows it and rebuilds the table where it does not. Run it as
// Engine.Migrate does: in a transaction, with foreign keys off.
func (s *Session) Migrate() error {
	table, err := s.table()
	if err != nil {
		return err
	}
	query, values := s.dialect.TableExistSQL(table.Name)
	var name string
	err = s.Raw(query, values...).QueryRow().Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		log.Infof("migrate: table %s does not exist, creating it", table.Name)
		return s.CreateTable()
	}
	var columns []string
	if err == nil { // a failed lookup is an error, not a missing table to create
		columns, err = s.queryStrings("SELECT name FROM pragma_table_info(?)", name)
	}
	if err != nil {
		return fmt.Errorf("session: migrate %s: %w", table.Name, err)
	}
	added, removed := difference(table.FieldNames, columns), difference(columns, table.FieldNames)
	if len(added) == 0 && len(removed) == 0 {
		log.Infof("migrate: table %s is up to date", table.Name)
		return nil
	}
	log.Infof("migrate: table %s adds columns %v, removes columns %v", table.Name, added, removed)
	if err := s.alter(table, added, removed); err != nil {
		log.Infof("migrate: %v; rebuilding table %s", err, table.Name)
		if err := s.rebuild(table, added); err != nil {
			return fmt.Errorf("session: migrate %s: %w", table.Name, err)
		}
	}
	return nil
}

// alter adds and drops columns one ALTER TABLE at a time, and stops at the
// first that SQLite refuses (a UNIQUE column, one an index uses, ...).
func (s *Session) alter(table *schema.Schema, added, removed []string) error {
	var steps []string
	for _, field := range table.Fields {
		if slices.Contains(added, field.Name) {
			steps = append(steps, "ADD COLUMN "+columnSQL(field, true))
		}
	}
	for _, name := range removed {
		steps = append(steps, "DROP COLUMN "+dialect.Quote(name))
	}
	for _, step := range steps {
		if _, err := s.Raw("ALTER TABLE " + dialect.Quote(table.Name) + " " + step).Exec(); err != nil {
			return err
		}
	}
	return nil
}

// zeroDefaults are the Go zero values of the column types not numbers.
var zeroDefaults = map[string]string{"text": "''", "blob": "x''", "datetime": "'0001-01-01 00:00:00+00:00'"}

// columnSQL defines field's column. A new one without a DEFAULT of its own
// gets its Go zero value as DEFAULT, so the rows already there read back
// as zero values, not as NULLs that Find cannot scan into a plain field.
func columnSQL(field *schema.Field, isNew bool) string {
	column := strings.TrimSpace(dialect.Quote(field.Name) + " " + field.Type + " " + field.Tag)
	if isNew && !hasDefault(field.Tag) {
		column += " DEFAULT " + cmp.Or(zeroDefaults[field.Type], "0")
	}
	return column
}

// rebuild is SQLite's procedure for the changes ALTER TABLE cannot make:
// create the new table, copy the rows, drop the old table, rename the new.
// The drop takes the table's indexes and triggers along, and views and
// triggers naming it fail the rename: all are created again from sqlite_master.
func (s *Session) rebuild(table *schema.Schema, added []string) error {
	drops, err := s.queryStrings(`SELECT 'DROP ' || type || ' "' || replace(name, '"', '""') || '"' FROM sqlite_master WHERE type IN ('trigger', 'view') ORDER BY rowid DESC`)
	if err != nil {
		return err
	}
	creates, err := s.queryStrings(`SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND (type IN ('trigger', 'view') OR type = 'index' AND tbl_name = ? COLLATE NOCASE) ORDER BY rowid`, table.Name)
	if err != nil {
		return err
	}
	tmp, name := dialect.Quote("geeorm_migrate_"+table.Name), dialect.Quote(table.Name)
	var columns, kept []string
	for _, field := range table.Fields {
		columns = append(columns, columnSQL(field, slices.Contains(added, field.Name)))
		if !slices.Contains(added, field.Name) {
			kept = append(kept, dialect.Quote(field.Name))
		}
	}
	steps := append([]string{"CREATE TABLE " + tmp + " (" + strings.Join(columns, ", ") + ")"}, drops...)
	if len(kept) > 0 {
		steps = append(steps, fmt.Sprintf("INSERT INTO %s (%s) SELECT %[2]s FROM %s", tmp, strings.Join(kept, ", "), name))
	}
	steps = append(steps, "DROP TABLE "+name, "ALTER TABLE "+tmp+" RENAME TO "+name)
	for _, step := range append(steps, creates...) {
		if _, err := s.Raw(step).Exec(); err != nil {
			return err
		}
	}
	return nil
}

// queryStrings returns the first column of the rows of query.
func (s *Session) queryStrings(query string, args ...any) ([]string, error) {
	rows, err := s.Raw(query, args...).QueryRows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var values []string
	for rows.Next() {
		var value string
		if err := rows.Scan(&value); err != nil {
			return nil, err
		}
		values = append(values, value)
	}
	return values, rows.Err()
}

// hasDefault reports whether a column's constraints hold a DEFAULT clause.
// It reads them as SQL does: DEFAULT inside quotes or parentheses, or as
// part of a longer name, is not one.
func hasDefault(constraints string) bool {
	var quote rune
	depth, word := 0, ""
	for _, r := range constraints + " " {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '\'' || r == '"' || r == '`':
			quote = r
		case r == '[':
			quote = ']'
		case r == '(':
			depth++
		case r == ')':
			depth--
		case depth == 0 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '$'):
			word += string(r)
			continue
		}
		if strings.EqualFold(word, "DEFAULT") {
			return true
		}
		word = ""
	}
	return false
}

// difference returns the names in a that are not in b, matched as SQLite
// matches column names: ignoring ASCII case only. Taking a column "name"
// for a new field Name would lose its data; "É" and "é" stay different.
func difference(a, b []string) []string {
	var diff []string
	for _, name := range a {
		if !slices.ContainsFunc(b, func(n string) bool { return asciiLower(n) == asciiLower(name) }) {
			diff = append(diff, name)
		}
	}
	return diff
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}, s)
}
