package session

import (
	"errors"
	"fmt"
	"math"
	"reflect"

	"gee-orm/day3-save-query/geeorm/clause"
	"gee-orm/day3-save-query/geeorm/log"
)

// Insert stores the records, structs or pointers to structs of one model,
// in one INSERT statement and returns the number of rows inserted.
func (s *Session) Insert(values ...any) (int64, error) {
	defer s.Clear()
	if len(values) == 0 {
		return 0, errors.New("session: insert needs at least one record")
	}
	var records []any
	for i, value := range values {
		if v := reflect.Indirect(reflect.ValueOf(value)); v.Kind() != reflect.Struct {
			// Model sees through any pointers; reading the values would not.
			return 0, fmt.Errorf("session: insert needs structs or non-nil pointers to structs, not %T", value)
		}
		previous := s.refTable
		table, err := s.Model(value).table()
		if err != nil {
			return 0, err
		}
		if i > 0 && table != previous {
			return 0, fmt.Errorf("session: insert of mixed models %s and %s", previous.Name, table.Name)
		}
		record := table.RecordValues(value)
		for j, v := range record {
			if err := storable(v); err != nil {
				return 0, fmt.Errorf("session: insert %s.%s: %w", table.Name, table.FieldNames[j], err)
			}
		}
		records = append(records, record)
	}
	s.clause.Set(clause.INSERT, s.refTable.Name, s.refTable.FieldNames)
	s.clause.Set(clause.VALUES, records...)
	sql, vars := s.clause.Build(clause.INSERT, clause.VALUES)
	result, err := s.Raw(sql, vars...).Exec()
	if err != nil {
		return 0, err
	}
	return result.RowsAffected()
}

// storable says why SQLite would not give v back as it is: an unsigned
// integer above the largest int64 is stored negative (or refused), a NaN
// is stored as NULL.
func storable(v any) error {
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Uint, reflect.Uint64:
		if rv.Uint() > math.MaxInt64 {
			return fmt.Errorf("%d does not fit in SQLite's 64-bit signed integer", rv.Uint())
		}
	case reflect.Float32, reflect.Float64:
		if math.IsNaN(rv.Float()) {
			return errors.New("NaN would be stored as NULL")
		}
	}
	return nil
}

// Find reads the rows of the model's table into values, a pointer to a
// slice of structs, replacing its contents. On error values is unchanged.
func (s *Session) Find(values any) error {
	defer s.Clear()
	destSlice := reflect.ValueOf(values)
	if destSlice.Kind() != reflect.Pointer || destSlice.IsNil() || destSlice.Elem().Kind() != reflect.Slice ||
		destSlice.Elem().Type().Elem().Kind() != reflect.Struct {
		return fmt.Errorf("session: find needs a pointer to a slice of structs, not %T", values)
	}
	destSlice = destSlice.Elem()
	destType := destSlice.Type().Elem()
	table, err := s.Model(reflect.New(destType).Interface()).table()
	if err != nil {
		return err
	}

	s.clause.Set(clause.SELECT, table.Name, table.FieldNames)
	sql, vars := s.clause.Build(clause.SELECT)
	rows, err := s.Raw(sql, vars...).QueryRows()
	if err != nil {
		return err
	}
	// Closing on every path returns the connection to the pool, even when
	// a Scan fails half way (the well-known version leaked it then).
	defer rows.Close()

	found := reflect.MakeSlice(destSlice.Type(), 0, 0)
	for rows.Next() {
		dest := reflect.New(destType)
		if err := rows.Scan(table.RecordAddrs(dest.Interface())...); err != nil {
			log.Error(err)
			return fmt.Errorf("session: find %s: %w", table.Name, err)
		}
		found = reflect.Append(found, dest.Elem())
	}
	if err := rows.Err(); err != nil {
		log.Error(err)
		return fmt.Errorf("session: find %s: %w", table.Name, err)
	}
	destSlice.Set(found)
	return nil
}
