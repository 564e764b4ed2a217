package session

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"

	"gee-orm/day8-performance/geeorm/clause"
	"gee-orm/day8-performance/geeorm/log"
	"gee-orm/day8-performance/geeorm/schema"
)

// Insert stores the records, structs or pointers to structs of one model,
// and returns the number of rows inserted (see insertBatches).
func (s *Session) Insert(values ...any) (int64, error) {
	defer s.Clear()
	if len(values) == 0 {
		return 0, errors.New("session: insert needs at least one record")
	}
	var records, pointers []any
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
		pointers = append(pointers, asPointer(value))
		if err := s.callHook(beforeInsert, pointers[i]); err != nil {
			return 0, err
		}
		record := table.RecordValues(pointers[i])
		for j, v := range record {
			if err := storable(v); err != nil {
				return 0, fmt.Errorf("session: insert %s.%s: %w", table.Name, table.FieldNames[j], err)
			}
		}
		records = append(records, record)
	}
	n, err := s.insertBatches(records)
	if err != nil {
		return 0, err
	}
	for _, pointer := range pointers {
		if err := s.callHook(afterInsert, pointer); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// maxVars is how many values SQLite binds in one statement at most
// (SQLITE_MAX_VARIABLE_NUMBER, 32766 since SQLite 3.32).
const maxVars = 32766

// insertBatches stores records in one INSERT statement or, when they hold
// more than maxVars values, in one statement per batch, inside one
// transaction (the session's own when it is in one): all or none.
func (s *Session) insertBatches(records []any) (n int64, err error) {
	perBatch := maxVars / len(s.refTable.Fields)
	if len(records) > perBatch && s.tx == nil {
		if err := s.Begin(); err != nil {
			return 0, err
		}
		defer func() {
			if err != nil {
				_ = s.Rollback() // logged; err says why
			} else if err = s.Commit(); err != nil {
				n = 0
			}
		}()
	}
	for start := 0; start < len(records); start += perBatch {
		s.clause.Set(clause.INSERT, s.refTable.Name, s.refTable.ColumnList)
		s.clause.Set(clause.VALUES, records[start:min(start+perBatch, len(records))]...)
		sql, vars := s.clause.Build(clause.INSERT, clause.VALUES)
		result, err := s.Raw(sql, vars...).Exec()
		if err != nil {
			return 0, err
		}
		inserted, _ := result.RowsAffected() // go-sqlite3 always has it
		n += inserted
	}
	return n, nil
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
	table, err := s.modelOf(destType).table()
	if err != nil {
		return err
	}
	if err := s.callModelHook(beforeQuery, destType); err != nil {
		return err
	}

	presize := max(0, min(s.limit, maxPresized)) // QueryRows clears the session
	s.clause.Set(clause.SELECT, table.Name, table.SelectList)
	sql, vars := s.clause.Build(clause.SELECT, clause.WHERE, clause.ORDERBY, clause.LIMIT, clause.OFFSET)
	rows, err := s.Raw(sql, vars...).QueryRows()
	if err != nil {
		return err
	}
	// Closing on every path returns the connection to the pool, even when
	// a Scan fails half way (the well-known version leaked it then).
	defer rows.Close()

	// Rows are scanned straight into the new slice's elements, through one
	// slice of field addresses reused for every row.
	// A Limit says how many rows may come: room for them up front, up to a
	// bound, spares growing the slice five or six times on the way.
	found := reflect.MakeSlice(destSlice.Type(), 0, presize)
	zero := reflect.Zero(destType)
	addrs := make([]any, len(table.Fields))
	for rows.Next() {
		found = reflect.Append(found, zero)
		table.FillAddrs(addrs, found.Index(found.Len()-1))
		if err := rows.Scan(addrs...); err != nil {
			log.Error(err)
			return fmt.Errorf("session: find %s: %w", table.Name, err)
		}
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
	if hasHook(afterQuery, destType) {
		for i := range found.Len() {
			if err := s.callHook(afterQuery, found.Index(i).Addr().Interface()); err != nil {
				return err
			}
		}
	}
	destSlice.Set(found)
	return nil
}

// maxPresized bounds the rows Find makes room for before they come.
const maxPresized = 256

// ErrRecordNotFound is returned by First when no row matches.
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
	if err := s.checkWhere("update"); err != nil {
		return 0, err
	}
	columns, values, err := updateColumns(kv)
	if err != nil {
		return 0, err
	}
	for i, name := range columns {
		if table.GetField(name) == nil {
			return 0, fmt.Errorf("session: update of unknown column %q in %s", name, table.Name)
		}
		if err := storable(values[i]); err != nil {
			return 0, fmt.Errorf("session: update %s.%s: %w", table.Name, name, err)
		}
	}
	modelType := schema.StructType(table.Model)
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

// updateColumns reads Update's arguments into columns in name order (the
// same update is the same statement) and their values.
func updateColumns(kv []any) ([]string, []any, error) {
	if len(kv) == 2 {
		if name, ok := kv[0].(string); ok {
			return []string{name}, kv[1:], nil // one column: no map to sort
		}
	}
	columns, ok := map[string]any{}, len(kv) > 1 && len(kv)%2 == 0
	if len(kv) == 1 {
		columns, ok = kv[0].(map[string]any)
	}
	for i := 0; ok && i+1 < len(kv); i += 2 {
		var name string
		name, ok = kv[i].(string)
		columns[name] = kv[i+1]
	}
	// The well-known version indexed past the end of an odd list and panicked.
	if !ok || len(columns) == 0 {
		return nil, nil, fmt.Errorf("session: update needs a map[string]any or column, value pairs, not %v", kv)
	}
	names := slices.Sorted(maps.Keys(columns))
	values := make([]any, len(names))
	for i, name := range names {
		values[i] = columns[name]
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
	if err := s.checkWhere("delete"); err != nil {
		return 0, err
	}
	modelType := schema.StructType(table.Model)
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

// ErrMissingWhereClause refuses an Update or Delete that would change every row.
var ErrMissingWhereClause = errors.New("session: update and delete need a Where; Where(\"1 = 1\") means all rows")

// checkWhere refuses an Update or Delete without a Where, or with a Limit,
// Offset or OrderBy, which SQLite does not take there: all rows would change.
func (s *Session) checkWhere(op string) error {
	if !s.clause.Has(clause.WHERE) {
		return ErrMissingWhereClause
	}
	if s.clause.Has(clause.LIMIT) || s.clause.Has(clause.ORDERBY) {
		return fmt.Errorf("session: %s takes no Limit, Offset or OrderBy; narrow it with Where", op)
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
	err = s.Raw(sql, vars...).QueryRow().Scan(&count)
	return count, err
}

// Limit makes the next query return at most num rows.
func (s *Session) Limit(num int) *Session {
	s.clause.Set(clause.LIMIT, num)
	s.limit = num
	return s
}

// Offset makes the next query skip its first num rows. SQLite takes an
// OFFSET only after a LIMIT, so without one it sets LIMIT -1: no limit.
func (s *Session) Offset(num int) *Session {
	if !s.clause.Has(clause.LIMIT) {
		s.clause.Set(clause.LIMIT, -1)
	}
	s.clause.Set(clause.OFFSET, num)
	return s
}

// Where adds a condition, desc with a ? per arg, to the next statement;
// Where(a).Where(b) matches rows where a AND b hold.
func (s *Session) Where(desc string, args ...any) *Session {
	vars := make([]any, 0, 1+len(args)) // desc and args in one allocation
	vars = append(vars, desc)
	s.clause.Set(clause.WHERE, append(vars, args...)...)
	return s
}

// OrderBy sorts the next query's rows, e.g. OrderBy("Age DESC").
func (s *Session) OrderBy(desc string) *Session {
	s.clause.Set(clause.ORDERBY, desc)
	return s
}
