package session

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/log"
	"gee-orm/day8-performance/geeorm/schema"
)

// ErrModelNotSet is returned by operations that need a table before Model was called.
var ErrModelNotSet = errors.New("session: model is not set; call Model first")

// Model sets the struct the following operations work on (a struct and a
// pointer to it are the same model). Each struct type is parsed once per
// dialect and the schema shared by all sessions, so a session per call
// costs no reflection over the fields; the shared schema's Model is a
// pointer to a zero value of the type.
func (s *Session) Model(value any) *Session {
	t := structType(value)
	if t == nil || t.Kind() != reflect.Struct {
		s.refTable = schema.Parse(value, s.dialect) // an error schema, not worth caching
		return s
	}
	return s.modelType(t)
}

// modelType is Model for the struct type t.
func (s *Session) modelType(t reflect.Type) *Session {
	if s.refTable == nil || t != structType(s.refTable.Model) {
		s.refTable = cachedSchema(t, s.dialect)
	}
	return s
}

// schemaKey identifies a parsed schema: the struct type in a dialect.
type schemaKey struct {
	typ     reflect.Type
	dialect dialect.Dialect
}

var schemas sync.Map // schemaKey → *schema.Schema

// cachedSchema returns the schema of struct type t in dialect d, parsing
// it the first time. A dialect that cannot be a map key is not cached.
func cachedSchema(t reflect.Type, d dialect.Dialect) *schema.Schema {
	if !canBeKey(d) {
		return schema.Parse(reflect.New(t).Interface(), d)
	}
	key := schemaKey{t, d}
	if cached, ok := schemas.Load(key); ok {
		return cached.(*schema.Schema)
	}
	cached, _ := schemas.LoadOrStore(key, schema.Parse(reflect.New(t).Interface(), d))
	return cached.(*schema.Schema)
}

// canBeKey reports whether d can be hashed as a map key. Its type may be
// comparable while its value is not (an interface field holding a slice),
// and hashing such a key would panic. Only a type holding an interface can
// have such values, so only then is the value itself asked: that walk
// allocates, and cachedSchema runs on every Model.
func canBeKey(d dialect.Dialect) bool {
	if d == nil {
		return false
	}
	t := reflect.TypeOf(d)
	if !t.Comparable() {
		return false
	}
	return !holdsInterface(t) || reflect.ValueOf(d).Comparable()
}

// holdsInterface reports whether a value of type t can hold an interface
// value, in a field or array element, without going through a pointer.
func holdsInterface(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Array:
		return holdsInterface(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsInterface(t.Field(i).Type) {
				return true
			}
		}
	}
	return false
}

// structType is value's type with any pointers removed.
func structType(value any) reflect.Type {
	t := reflect.TypeOf(value)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// RefTable returns the schema of the model, or nil before Model is
// called. Its Err field says whether the model could be mapped.
func (s *Session) RefTable() *schema.Schema {
	return s.refTable
}

// table returns the model's schema, or why there is none usable.
func (s *Session) table() (*schema.Schema, error) {
	if s.refTable == nil {
		log.Error(ErrModelNotSet)
		return nil, ErrModelNotSet
	}
	if s.refTable.Err != nil {
		log.Error(s.refTable.Err)
		return nil, s.refTable.Err
	}
	return s.refTable, nil
}

// CreateTable creates the model's table: each field a column with its
// type and tag constraints.
func (s *Session) CreateTable() error {
	table, err := s.table()
	if err != nil {
		return err
	}
	_, err = s.Raw(createTableSQL(table.Name, table)).Exec()
	return err
}

// createTableSQL is the statement that creates a table named name with
// table's columns.
func createTableSQL(name string, table *schema.Schema) string {
	columns := make([]string, 0, len(table.Fields))
	for _, field := range table.Fields {
		columns = append(columns, strings.TrimSpace(fmt.Sprintf("%s %s %s", dialect.Quote(field.Name), field.Type, field.Tag)))
	}
	return fmt.Sprintf("CREATE TABLE %s (%s)", dialect.Quote(name), strings.Join(columns, ", "))
}

// DropTable drops the model's table if it exists.
func (s *Session) DropTable() error {
	table, err := s.table()
	if err != nil {
		return err
	}
	_, err = s.Raw("DROP TABLE IF EXISTS " + dialect.Quote(table.Name)).Exec()
	return err
}

// HasTable reports whether the model's table exists. It is false when no
// usable model is set or the database cannot be asked (the error is logged).
func (s *Session) HasTable() bool {
	table, err := s.table()
	if err != nil {
		return false
	}
	exists, _ := s.hasTable(table.Name)
	return exists
}

// hasTable reports whether the table named name exists, or why the
// database could not say.
func (s *Session) hasTable(name string) (bool, error) {
	query, values := s.dialect.TableExistSQL(name)
	var found string
	if err := s.Raw(query, values...).QueryRow().Scan(&found); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		log.Error(err)
		return false, err
	}
	return found == name, nil
}
