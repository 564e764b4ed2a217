package session

import (
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"gee-orm/day8-performance/geeorm/dialect"
	"gee-orm/day8-performance/geeorm/log"
	"gee-orm/day8-performance/geeorm/schema"
)

// ErrModelNotSet is returned by operations that need a table before Model was called.
var ErrModelNotSet = errors.New("session: model is not set; call Model first")

// Model sets the struct the following operations work on (a struct and a
// pointer to it are the same model); it is parsed when the type changes,
// once per engine for a session with a cache.
func (s *Session) Model(value any) *Session {
	if t := schema.StructType(value); t != nil && t.Kind() == reflect.Struct {
		return s.modelOf(t)
	}
	s.refTable = schema.Parse(value, s.dialect) // an error schema: not a struct
	return s
}

// modelOf is Model for the struct type t: it needs no value of the type.
func (s *Session) modelOf(t reflect.Type) *Session {
	switch {
	case s.refTable != nil && t == schema.StructType(s.refTable.Model):
	case s.cache != nil:
		s.refTable = s.cache.schema(t, s.dialect)
	default:
		s.refTable = schema.Parse(reflect.New(t).Interface(), s.dialect)
	}
	return s
}

// RefTable returns the model's schema (nil before Model); see its Err.
func (s *Session) RefTable() *schema.Schema { return s.refTable }

// table returns the model's schema, or why there is none usable.
func (s *Session) table() (*schema.Schema, error) {
	err := ErrModelNotSet
	if s.refTable != nil {
		err = s.refTable.Err
	}
	if err != nil {
		log.Error(err)
		return nil, err
	}
	return s.refTable, nil
}

// CreateTable creates the model's table, a column per field.
func (s *Session) CreateTable() error {
	table, err := s.table()
	if err != nil {
		return err
	}
	var columns []string
	for _, field := range table.Fields {
		columns = append(columns, strings.TrimSpace(dialect.Quote(field.Name)+" "+field.Type+" "+field.Tag))
	}
	_, err = s.Raw(fmt.Sprintf("CREATE TABLE %s (%s)", dialect.Quote(table.Name), strings.Join(columns, ", "))).Exec()
	return err
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

// HasTable reports whether the model's table exists: false when no usable
// model is set or the database cannot be asked (the error is logged).
func (s *Session) HasTable() bool {
	table, err := s.table()
	if err != nil {
		return false
	}
	query, values := s.dialect.TableExistSQL(table.Name)
	var name string
	err = s.Raw(query, values...).QueryRow().Scan(&name)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		log.Error(err)
	}
	return err == nil
}
