package geerpc

import (
	"fmt"
	"go/token"
	"reflect"
	"sync/atomic"
)

// methodType is one method a service offers.
type methodType struct {
	method    reflect.Method
	ArgType   reflect.Type
	ReplyType reflect.Type
	numCalls  atomic.Uint64
}

// NumCalls reports how many times the method has been called.
func (m *methodType) NumCalls() uint64 {
	return m.numCalls.Load()
}

func (m *methodType) newArgv() reflect.Value {
	if m.ArgType.Kind() == reflect.Pointer {
		return reflect.New(m.ArgType.Elem())
	}
	return reflect.New(m.ArgType).Elem()
}

func (m *methodType) newReplyv() reflect.Value {
	// The reply is always a pointer; maps and slices get a usable value.
	replyv := reflect.New(m.ReplyType.Elem())
	switch m.ReplyType.Elem().Kind() {
	case reflect.Map:
		replyv.Elem().Set(reflect.MakeMap(m.ReplyType.Elem()))
	case reflect.Slice:
		replyv.Elem().Set(reflect.MakeSlice(m.ReplyType.Elem(), 0, 0))
	}
	return replyv
}

// service is a registered receiver and the methods it exposes.
type service struct {
	name   string
	typ    reflect.Type
	rcvr   reflect.Value
	method map[string]*methodType
}

// newService inspects rcvr, to be served as name ("" for the name of its
// type); methods that do not fit the rules are skipped and each is
// reported through logf.
func newService(name string, rcvr any, logf func(string, ...any)) (*service, error) {
	if rcvr == nil {
		return nil, fmt.Errorf("geerpc: register: nil receiver")
	}
	s := &service{
		rcvr: reflect.ValueOf(rcvr),
		typ:  reflect.TypeOf(rcvr),
	}
	if s.rcvr.Kind() == reflect.Pointer && s.rcvr.IsNil() {
		return nil, fmt.Errorf("geerpc: register: nil %s receiver", s.typ)
	}
	s.name = name
	if name == "" {
		s.name = reflect.Indirect(s.rcvr).Type().Name()
		if !token.IsExported(s.name) {
			return nil, fmt.Errorf("geerpc: register: %q is not an exported type name", s.name)
		}
	}
	s.registerMethods(logf)
	if len(s.method) == 0 {
		hint := ""
		if reflect.PointerTo(s.typ).NumMethod() > s.typ.NumMethod() {
			hint = " (hint: pass a pointer to the value: some methods have pointer receivers)"
		}
		return nil, fmt.Errorf("geerpc: register: type %s has no method of the form func(args T, reply *R) error%s", s.typ, hint)
	}
	return s, nil
}

var typeOfError = reflect.TypeFor[error]()

// registerMethods applies net/rpc's rules: exported method, two exported
// (or builtin) arguments, the second a pointer, and one result, an error.
// reflect only lists exported methods, so unexported ones never appear.
func (s *service) registerMethods(logf func(string, ...any)) {
	s.method = make(map[string]*methodType)
	for i := 0; i < s.typ.NumMethod(); i++ {
		method := s.typ.Method(i)
		mType := method.Type
		skip := func(why string) {
			logf("geerpc: register %s.%s: skipped, %s", s.name, method.Name, why)
		}
		if mType.NumIn() != 3 || mType.NumOut() != 1 {
			skip("want two arguments and one result")
			continue
		}
		if mType.Out(0) != typeOfError {
			skip("the result must be error")
			continue
		}
		argType, replyType := mType.In(1), mType.In(2)
		if replyType.Kind() != reflect.Pointer {
			skip("the reply must be a pointer")
			continue
		}
		if !isExportedOrBuiltinType(argType) || !isExportedOrBuiltinType(replyType) {
			skip("argument and reply types must be exported or builtin")
			continue
		}
		s.method[method.Name] = &methodType{
			method:    method,
			ArgType:   argType,
			ReplyType: replyType,
		}
	}
}

func isExportedOrBuiltinType(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return token.IsExported(t.Name()) || t.PkgPath() == ""
}

// call invokes the method. A panic in the method becomes the call's error
// instead of taking the whole server down.
func (s *service) call(m *methodType, argv, replyv reflect.Value) (err error) {
	m.numCalls.Add(1)
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{method: s.name + "." + m.method.Name, value: p}
		}
	}()
	returnValues := m.method.Func.Call([]reflect.Value{s.rcvr, argv, replyv})
	if errInter := returnValues[0].Interface(); errInter != nil {
		return errInter.(error)
	}
	return nil
}

// panicError reports a panic inside a service method.
type panicError struct {
	method string
	value  any
}

// Error describes the panic.
func (e *panicError) Error() string {
	return fmt.Sprintf("geerpc: %s panicked: %v", e.method, e.value)
}
