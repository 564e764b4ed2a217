// Package gee is a small web framework in the spirit of gin, built one step
// per chapter. So far it is an http.Handler that routes requests through a
// trie per method to handlers that receive a Context.
package gee

import "net/http"

// HandlerFunc handles one request through its Context.
type HandlerFunc func(*Context)

// Engine is the framework's http.Handler: it owns the routes and dispatches
// every request to the matching handler.
type Engine struct {
	router *router
}

// New returns an Engine with no routes.
func New() *Engine {
	return &Engine{router: newRouter()}
}

func (engine *Engine) addRoute(method string, pattern string, handler HandlerFunc) {
	engine.router.addRoute(method, pattern, handler)
}

// GET registers handler for GET requests matching pattern.
func (engine *Engine) GET(pattern string, handler HandlerFunc) {
	engine.addRoute(http.MethodGet, pattern, handler)
}

// POST registers handler for POST requests matching pattern.
func (engine *Engine) POST(pattern string, handler HandlerFunc) {
	engine.addRoute(http.MethodPost, pattern, handler)
}

// Handle registers handler for requests with any method, such as PUT or
// DELETE, to pattern; GET and POST are shorthands for it.
func (engine *Engine) Handle(method string, pattern string, handler HandlerFunc) {
	engine.addRoute(method, pattern, handler)
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
