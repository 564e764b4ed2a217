package session

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/log"
)

// Migrate brings the model's table to the model's fields: it creates a
// missing table; when columns were added or removed it rebuilds the table
// from the struct's full definition (types, primary key, constraints),
// copies every row's kept columns, fills added columns with the Go zero
// value (or the column's DEFAULT when its tag has one), and swaps the new
// table in. Run it in a transaction, as Engine.Migrate does, so a failure
// leaves the table as it was.
func (s *Session) Migrate() error {
	table, err := s.table()
	if err != nil {
		return err
	}
	// A failed lookup is an error, not a missing table to create.
	exists, err := s.hasTable(table.Name)
	if err != nil {
		return fmt.Errorf("session: migrate %s: %w", table.Name, err)
	}
	if !exists {
		log.Infof("migrate: table %s does not exist, creating it", table.Name)
		return s.CreateTable()
	}
	columns, err := s.columns(table.Name)
	if err != nil {
		return err
	}
	added, removed := difference(table.FieldNames, columns), difference(columns, table.FieldNames)
	if len(added) == 0 && len(removed) == 0 {
		log.Infof("migrate: table %s is up to date", table.Name)
		return nil
	}
	log.Infof("migrate: table %s adds columns %v, removes columns %v", table.Name, added, removed)

	// Added columns get the zero value of their Go type rather than NULL,
	// which Find could not scan into a plain field.
	zero := table.RecordValues(reflect.New(structType(table.Model)).Interface())
	var into, from []string
	var vars []any
	for i, field := range table.Fields {
		switch {
		case hasColumn(columns, field.Name):
			into = append(into, dialect.Quote(field.Name))
			from = append(from, dialect.Quote(field.Name))
		case !strings.Contains(strings.ToUpper(field.Tag), "DEFAULT"):
			into = append(into, dialect.Quote(field.Name))
			from = append(from, "?")
			vars = append(vars, zero[i])
		}
	}

	// The rebuild SQLite recommends: new table, copy, drop, rename. Unlike
	// CREATE TABLE ... AS SELECT it keeps the primary key and constraints.
	tmp := "geeorm_migrate_" + table.Name
	steps := []struct {
		sql  string
		vars []any
	}{
		{createTableSQL(tmp, table), nil},
		{fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s",
			dialect.Quote(tmp), strings.Join(into, ", "), strings.Join(from, ", "), dialect.Quote(table.Name)), vars},
		{"DROP TABLE " + dialect.Quote(table.Name), nil},
		{fmt.Sprintf("ALTER TABLE %s RENAME TO %s", dialect.Quote(tmp), dialect.Quote(table.Name)), nil},
	}
	if len(into) == 0 {
		steps = slices.Delete(steps, 1, 2) // no column to copy
	}
	for _, step := range steps {
		if _, err := s.Raw(step.sql, step.vars...).Exec(); err != nil {
			return fmt.Errorf("session: migrate %s: %w", table.Name, err)
		}
	}
	return nil
}

// columns returns the column names of the table as the database has them.
func (s *Session) columns(tableName string) ([]string, error) {
	rows, err := s.Raw("SELECT * FROM " + dialect.Quote(tableName) + " LIMIT 1").QueryRows()
	if err != nil {
		return nil, fmt.Errorf("session: migrate %s: %w", tableName, err)
	}
	// Closed before returning: an open statement would keep the table
	// locked and make the DROP fail (the well-known version never closed it).
	columns, err := rows.Columns()
	if closeErr := rows.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		log.Error(err)
		return nil, fmt.Errorf("session: migrate %s: %w", tableName, err)
	}
	return columns, nil
}

// difference returns the names in a that are not in b.
func difference(a, b []string) []string {
	var diff []string
	for _, name := range a {
		if !hasColumn(b, name) {
			diff = append(diff, name)
		}
	}
	return diff
}

// hasColumn reports whether columns holds name. SQLite compares column
// names without regard to ASCII case, so a column "name" is the field
// Name: taking it for a new column would fill it with zero values and
// lose its data.
func hasColumn(columns []string, name string) bool {
	return slices.ContainsFunc(columns, func(column string) bool {
		return asciiEqualFold(column, name)
	})
}

// asciiEqualFold is strings.EqualFold for ASCII letters only, as SQLite
// folds identifiers: "É" and "é" stay different columns.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
