package session

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"

	"gee-orm/day6-transaction/geeorm/clause"
	"gee-orm/day6-transaction/geeorm/log"
)

// Insert stores the records, structs or pointers to structs of one model,
// in one INSERT statement and returns the number of rows inserted.
func (s *Session) Insert(values ...any) (int64, error) {
	defer s.Clear()
	if len(values) == 0 {
		return 0, errors.New("session: insert needs at least one record")
	}
	records := make([]any, len(values))
	recordValues := make([]any, 0, len(values))
	for i, value := range values {
		if v := reflect.ValueOf(value); v.Kind() == reflect.Pointer && v.IsNil() {
			return 0, fmt.Errorf("session: insert of a nil %T", value)
		} else if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Pointer {
			// Model sees through any pointers; reading the values would not.
			return 0, fmt.Errorf("session: insert needs structs or pointers to structs, not %T", value)
		}
		previous := s.refTable
		table, err := s.Model(value).table()
		if err != nil {
			return 0, err
		}
		if i == 0 {
			s.clause.Set(clause.INSERT, table.Name, table.FieldNames)
		} else if table != previous {
			return 0, fmt.Errorf("session: insert of mixed models %s and %s", previous.Name, table.Name)
		}
		records[i] = asPointer(value)
		if err := s.callHook(beforeInsert, records[i]); err != nil {
			return 0, err
		}
		recordValues = append(recordValues, table.RecordValues(records[i]))
	}

	s.clause.Set(clause.VALUES, recordValues...)
	sql, vars := s.clause.Build(clause.INSERT, clause.VALUES)
	result, err := s.Raw(sql, vars...).Exec()
	if err != nil {
		return 0, err
	}
	for _, record := range records {
		if err := s.callHook(afterInsert, record); err != nil {
			return 0, err
		}
	}
	return result.RowsAffected()
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
	if err := s.callModelHook(beforeQuery, destType); err != nil {
		return err
	}

	s.clause.Set(clause.SELECT, table.Name, table.FieldNames)
	sql, vars := s.clause.Build(clause.SELECT, clause.WHERE, clause.ORDERBY, clause.LIMIT)
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
	// AfterQuery runs once the rows are closed. A hook may run statements
	// on s; outside a transaction they take a second connection, and
	// SQLite makes a writer wait while rows are open: the hook used to
	// fail with "database is locked" after the busy timeout.
	if err := rows.Close(); err != nil {
		log.Error(err)
		return fmt.Errorf("session: find %s: %w", table.Name, err)
	}
	for i := range found.Len() {
		if err := s.callHook(afterQuery, found.Index(i).Addr().Interface()); err != nil {
			return err
		}
	}
	destSlice.Set(found)
	return nil
}

// ErrRecordNotFound is returned by First when no row matches; test for it
// with errors.Is.
var ErrRecordNotFound = errors.New("session: record not found")

// First reads the first matching row into value, a pointer to a struct.
func (s *Session) First(value any) error {
	defer s.Clear()
	dest := reflect.ValueOf(value)
	if dest.Kind() != reflect.Pointer || dest.IsNil() || dest.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("session: first needs a pointer to a struct, not %T", value)
	}
	destSlice := reflect.New(reflect.SliceOf(dest.Elem().Type()))
	if err := s.Limit(1).Find(destSlice.Interface()); err != nil {
		return err
	}
	if destSlice.Elem().Len() == 0 {
		return ErrRecordNotFound
	}
	dest.Elem().Set(destSlice.Elem().Index(0))
	return nil
}

// Update sets columns of the model's matching rows and returns how many
// rows changed. It takes a map[string]any of column to value, or column,
// value pairs: Update("Age", 30, "Name", "Tom").
func (s *Session) Update(kv ...any) (int64, error) {
	defer s.Clear()
	table, err := s.table()
	if err != nil {
		return 0, err
	}
	if err := s.onlyWhere("update"); err != nil {
		return 0, err
	}
	columns, values, err := updateColumns(kv)
	if err != nil {
		return 0, err
	}
	for _, name := range columns {
		if table.GetField(name) == nil {
			return 0, fmt.Errorf("session: update of unknown column %q in %s", name, table.Name)
		}
	}

	modelType := structType(table.Model)
	if err := s.callModelHook(beforeUpdate, modelType); err != nil {
		return 0, err
	}
	s.clause.Set(clause.UPDATE, table.Name, columns, values)
	sql, vars := s.clause.Build(clause.UPDATE, clause.WHERE)
	result, err := s.Raw(sql, vars...).Exec()
	if err != nil {
		return 0, err
	}
	if err := s.callModelHook(afterUpdate, modelType); err != nil {
		return 0, err
	}
	return result.RowsAffected()
}

// updateColumns reads Update's arguments into column names and their
// values: pairs in the order given, a map's columns in name order (so the
// same update is always the same statement).
func updateColumns(kv []any) ([]string, []any, error) {
	if len(kv) == 1 {
		columns, ok := kv[0].(map[string]any)
		if !ok || len(columns) == 0 {
			return nil, nil, fmt.Errorf("session: update needs a non-empty map[string]any or column, value pairs, not %T", kv[0])
		}
		names := slices.Sorted(maps.Keys(columns))
		values := make([]any, len(names))
		for i, name := range names {
			values[i] = columns[name]
		}
		return names, values, nil
	}
	if len(kv) == 0 || len(kv)%2 != 0 {
		// The well-known version indexed past the end here and panicked.
		return nil, nil, fmt.Errorf("session: update needs column, value pairs, got %d arguments", len(kv))
	}
	names := make([]string, 0, len(kv)/2)
	values := make([]any, 0, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		name, ok := kv[i].(string)
		if !ok {
			return nil, nil, fmt.Errorf("session: update column name must be a string, not %T", kv[i])
		}
		names = append(names, name)
		values = append(values, kv[i+1])
	}
	return names, values, nil
}

// Delete removes the model's matching rows and returns how many it removed.
func (s *Session) Delete() (int64, error) {
	defer s.Clear()
	table, err := s.table()
	if err != nil {
		return 0, err
	}
	if err := s.onlyWhere("delete"); err != nil {
		return 0, err
	}
	modelType := structType(table.Model)
	if err := s.callModelHook(beforeDelete, modelType); err != nil {
		return 0, err
	}
	s.clause.Set(clause.DELETE, table.Name)
	sql, vars := s.clause.Build(clause.DELETE, clause.WHERE)
	result, err := s.Raw(sql, vars...).Exec()
	if err != nil {
		return 0, err
	}
	if err := s.callModelHook(afterDelete, modelType); err != nil {
		return 0, err
	}
	return result.RowsAffected()
}

// onlyWhere refuses a Limit or OrderBy before an Update or Delete: SQLite
// takes neither on those statements, and dropping them would change every
// matching row instead of the few the caller asked for.
func (s *Session) onlyWhere(op string) error {
	if s.clause.Has(clause.LIMIT) || s.clause.Has(clause.ORDERBY) {
		return fmt.Errorf("session: %s takes no Limit or OrderBy; narrow it with Where", op)
	}
	return nil
}

// Count returns the number of the model's matching rows.
func (s *Session) Count() (int64, error) {
	defer s.Clear()
	table, err := s.table()
	if err != nil {
		return 0, err
	}
	s.clause.Set(clause.COUNT, table.Name)
	sql, vars := s.clause.Build(clause.COUNT, clause.WHERE)
	var count int64
	if err := s.Raw(sql, vars...).QueryRow().Scan(&count); err != nil {
		log.Error(err)
		return 0, err
	}
	return count, nil
}

// Limit makes the next query return at most num rows.
func (s *Session) Limit(num int) *Session {
	s.clause.Set(clause.LIMIT, num)
	return s
}

// Where adds a condition to the next statement; desc may hold ? for the
// args. Calling Where again adds another condition: Where(a).Where(b)
// matches rows where a AND b hold.
func (s *Session) Where(desc string, args ...any) *Session {
	s.clause.Set(clause.WHERE, append([]any{desc}, args...)...)
	return s
}

// OrderBy sorts the next query's rows, e.g. OrderBy("Age DESC").
func (s *Session) OrderBy(desc string) *Session {
	s.clause.Set(clause.ORDERBY, desc)
	return s
}
