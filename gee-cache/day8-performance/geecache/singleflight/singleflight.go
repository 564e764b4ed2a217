// Package singleflight makes concurrent calls for the same key share one
// execution: the first caller runs the function, the others wait for its
// result. It protects a data source from a stampede of loads when a hot key
// is missing from the cache (cache breakdown / 缓存击穿).
package singleflight

import (
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
)

// call is one execution in flight or just finished.
type call struct {
	wg  sync.WaitGroup
	val any
	err error
}

// Group runs at most one call per key at a time. The zero value is ready
// to use.
type Group struct {
	mu sync.Mutex
	m  map[string]*call // calls in flight
}

// Do runs fn and returns its result, unless a call for key is already in
// flight, in which case it waits for that call and returns its result.
// Once a call finishes, the next Do for key runs fn again: results are not
// remembered.
//
// If fn panics, every caller of that flight, the first included, gets a
// *PanicError and the key is free again for the next call.
func (g *Group) Do(key string, fn func() (any, error)) (any, error) {
	g.mu.Lock()
	if g.m == nil {
		g.m = make(map[string]*call)
	}
	if c, ok := g.m[key]; ok {
		g.mu.Unlock()
		c.wg.Wait()
		return c.val, c.err
	}
	c := new(call)
	c.wg.Add(1)
	g.m[key] = c
	g.mu.Unlock()

	g.doCall(c, key, fn)
	return c.val, c.err
}

// errGoexit is the result of a fn that called runtime.Goexit.
var errGoexit = errors.New("singleflight: function called runtime.Goexit")

// doCall runs fn and always, however fn ends, publishes a result, forgets
// the call and wakes the waiters. Without that, a panic would leave the key
// in the map and every later caller waiting forever.
func (g *Group) doCall(c *call, key string, fn func() (any, error)) {
	returned := false
	defer func() {
		if !returned {
			if r := recover(); r != nil {
				c.err = &PanicError{Value: r, Stack: debug.Stack()}
			} else {
				c.err = errGoexit
			}
		}
		g.mu.Lock()
		delete(g.m, key)
		g.mu.Unlock()
		c.wg.Done()
	}()
	c.val, c.err = fn()
	returned = true
}

// PanicError is returned to the callers of a flight whose function panicked.
type PanicError struct {
	Value any    // what fn panicked with
	Stack []byte // the stack of the panicking goroutine
}

// Error reports the panic value; the stack is in Stack.
func (p *PanicError) Error() string {
	return fmt.Sprintf("singleflight: function panicked: %v", p.Value)
}

// Unwrap returns the panic value if it is an error, so that errors.Is and
// errors.As see what the function panicked with.
func (p *PanicError) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}
