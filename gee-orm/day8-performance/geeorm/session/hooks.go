package session

import (
	"fmt"
	"reflect"

	"gee-orm/day8-performance/geeorm/clause"
	"gee-orm/day8-performance/geeorm/log"
)

// Hooks are methods a model may have; the session finds them through
// these interfaces. A hook that returns an error aborts the operation
// (an After hook runs once the statement has run, so use a transaction to
// undo it) and the caller gets the error. The session is passed so a hook
// can run statements of its own, in the same transaction.
type (
	// BeforeQuery runs once before Find or First, on a zero model.
	BeforeQuery interface{ BeforeQuery(s *Session) error }
	// AfterQuery runs on every record Find or First read.
	AfterQuery interface{ AfterQuery(s *Session) error }
	// BeforeInsert runs on every record before Insert stores them.
	BeforeInsert interface{ BeforeInsert(s *Session) error }
	// AfterInsert runs on every record after Insert stored them.
	AfterInsert interface{ AfterInsert(s *Session) error }
	// BeforeUpdate runs once before Update, on a zero model.
	BeforeUpdate interface{ BeforeUpdate(s *Session) error }
	// AfterUpdate runs once after Update, on a zero model.
	AfterUpdate interface{ AfterUpdate(s *Session) error }
	// BeforeDelete runs once before Delete, on a zero model.
	BeforeDelete interface{ BeforeDelete(s *Session) error }
	// AfterDelete runs once after Delete, on a zero model.
	AfterDelete interface{ AfterDelete(s *Session) error }
)

type hook int

const (
	beforeQuery hook = iota
	afterQuery
	beforeInsert
	afterInsert
	beforeUpdate
	afterUpdate
	beforeDelete
	afterDelete
)

var hookNames = [...]string{"BeforeQuery", "AfterQuery", "BeforeInsert", "AfterInsert",
	"BeforeUpdate", "AfterUpdate", "BeforeDelete", "AfterDelete"}

// hookFunc returns value's method for h, or nil when it has none.
func hookFunc(h hook, value any) func(*Session) error {
	switch h {
	case beforeQuery:
		if v, ok := value.(BeforeQuery); ok {
			return v.BeforeQuery
		}
	case afterQuery:
		if v, ok := value.(AfterQuery); ok {
			return v.AfterQuery
		}
	case beforeInsert:
		if v, ok := value.(BeforeInsert); ok {
			return v.BeforeInsert
		}
	case afterInsert:
		if v, ok := value.(AfterInsert); ok {
			return v.AfterInsert
		}
	case beforeUpdate:
		if v, ok := value.(BeforeUpdate); ok {
			return v.BeforeUpdate
		}
	case afterUpdate:
		if v, ok := value.(AfterUpdate); ok {
			return v.AfterUpdate
		}
	case beforeDelete:
		if v, ok := value.(BeforeDelete); ok {
			return v.BeforeDelete
		}
	case afterDelete:
		if v, ok := value.(AfterDelete); ok {
			return v.AfterDelete
		}
	}
	return nil
}

// callHook runs hook h of value, a pointer to a model, if it has one.
func (s *Session) callHook(h hook, value any) error {
	f := hookFunc(h, value)
	if f == nil {
		return nil
	}
	// The hook may run statements on s; keep the statement being built
	// and the model out of its reach.
	pending, refTable := s.clause, s.refTable
	s.clause = clause.Clause{}
	err := f(s)
	s.clause, s.refTable = pending, refTable
	if err != nil {
		err = fmt.Errorf("session: %s hook: %w", hookNames[h], err)
		log.Error(err)
	}
	return err
}

// hasHook reports whether *t has hook h. It asks a nil *t, so a model
// without the hook costs no allocation.
func hasHook(h hook, t reflect.Type) bool {
	return hookFunc(h, reflect.Zero(reflect.PointerTo(t)).Interface()) != nil
}

// callModelHook runs hook h on a new zero value of the model type t, if
// *t has that hook; it allocates that value only then.
func (s *Session) callModelHook(h hook, t reflect.Type) error {
	if !hasHook(h, t) {
		return nil
	}
	return s.callHook(h, reflect.New(t).Interface())
}

// asPointer returns value if it is a pointer, else a pointer to a copy of
// it, so that hooks with pointer receivers are found on struct values too.
func asPointer(value any) any {
	v := reflect.ValueOf(value)
	if !v.IsValid() || v.Kind() == reflect.Pointer {
		return value
	}
	p := reflect.New(v.Type())
	p.Elem().Set(v)
	return p.Interface()
}
