package gee

import (
	"fmt"
	"net/http"
	"strings"
)

// routeKey identifies a route. A struct key instead of "GET-/path" keeps the
// lookup free of string concatenation and of ambiguity.
type routeKey struct {
	method  string
	pattern string
}

type router struct {
	handlers map[routeKey]HandlerFunc
}

func newRouter() *router {
	return &router{handlers: make(map[routeKey]HandlerFunc)}
}

// addRoute panics on a pattern that can never match and on a route that is
// already registered: both are programming errors that would otherwise make
// a handler silently unreachable.
func (r *router) addRoute(method string, pattern string, handler HandlerFunc) {
	if !strings.HasPrefix(pattern, "/") {
		panic(fmt.Sprintf("gee: pattern %q must begin with '/'", pattern))
	}
	if handler == nil {
		panic(fmt.Sprintf("gee: nil handler for %s %s", method, pattern))
	}
	key := routeKey{method, pattern}
	if _, ok := r.handlers[key]; ok {
		panic(fmt.Sprintf("gee: route %s %q conflicts with existing route %s %q", method, pattern, method, pattern))
	}
	r.handlers[key] = handler
}

func (r *router) handle(c *Context) {
	if handler, ok := r.handlers[routeKey{c.Method, c.Path}]; ok {
		handler(c)
		return
	}
	c.String(http.StatusNotFound, "404 NOT FOUND: %s\n", c.Path)
}
