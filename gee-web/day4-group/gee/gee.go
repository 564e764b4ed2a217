// Package gee is a small web framework in the spirit of gin, built one step
// per chapter. So far it is an http.Handler that routes requests through a
// trie per method to handlers that receive a Context; routes can be
// registered in nested groups that share a prefix.
package gee

import (
	"fmt"
	"net/http"
	"strings"
)

// HandlerFunc handles one request through its Context.
type HandlerFunc func(*Context)

// Engine is the framework's http.Handler: it owns the routes and dispatches
// every request to the matching handler. It is also the root RouterGroup,
// so engine.GET registers a route without a prefix.
type Engine struct {
	*RouterGroup
	router *router
}

// RouterGroup is a set of routes that share a path prefix. Groups nest:
// v1.Group("/admin") has the prefix "/v1/admin". All groups of an engine
// register into the same router.
type RouterGroup struct {
	prefix string
	engine *Engine
}

// New returns an Engine with no routes.
func New() *Engine {
	engine := &Engine{router: newRouter()}
	engine.RouterGroup = &RouterGroup{engine: engine}
	return engine
}

// Group returns a new group whose prefix is the parent's prefix followed by
// prefix. The prefix must begin with '/'; a trailing '/' is dropped.
func (group *RouterGroup) Group(prefix string) *RouterGroup {
	if !strings.HasPrefix(prefix, "/") {
		panic(fmt.Sprintf("gee: group prefix %q must begin with '/'", prefix))
	}
	return &RouterGroup{
		prefix: group.prefix + strings.TrimRight(prefix, "/"),
		engine: group.engine,
	}
}

func (group *RouterGroup) addRoute(method string, comp string, handler HandlerFunc) {
	if !strings.HasPrefix(comp, "/") {
		// Without this "/v1" + "hello" would quietly become "/v1hello".
		panic(fmt.Sprintf("gee: pattern %q must begin with '/'", comp))
	}
	group.engine.router.addRoute(method, group.prefix+comp, handler)
}

// GET registers handler for GET requests matching the group's prefix
// followed by pattern.
func (group *RouterGroup) GET(pattern string, handler HandlerFunc) {
	group.addRoute(http.MethodGet, pattern, handler)
}

// POST registers handler for POST requests matching the group's prefix
// followed by pattern.
func (group *RouterGroup) POST(pattern string, handler HandlerFunc) {
	group.addRoute(http.MethodPost, pattern, handler)
}

// Handle registers handler for requests with any method, such as PUT or
// DELETE, matching the group's prefix followed by pattern; GET and POST are
// shorthands for it.
func (group *RouterGroup) Handle(method string, pattern string, handler HandlerFunc) {
	group.addRoute(method, pattern, handler)
}

// Run listens on the TCP address addr and serves requests with the engine.
// It only returns on error, like http.ListenAndServe.
func (engine *Engine) Run(addr string) error {
	return http.ListenAndServe(addr, engine)
}

// ServeHTTP implements http.Handler, so an Engine can be given to
// http.Server, httptest.NewServer or any other net/http code.
func (engine *Engine) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	c := newContext(w, req)
	engine.router.handle(c)
}
