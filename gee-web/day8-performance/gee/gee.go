// Package gee is a small web framework in the spirit of gin, built one step
// per chapter. So far it is an http.Handler that routes requests through a
// trie per method to a chain of handlers that receive a Context: middleware
// of the engine and of the groups the path lies in, then the route's handler.
// Routes are registered in nested groups that share a prefix; groups serve
// static folders and handlers render html/template pages. Default adds a
// logger and recovery from panics.
package gee

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
)

// HandlerFunc handles one request through its Context.
type HandlerFunc func(*Context)

// Engine is the framework's http.Handler: it owns the routes and dispatches
// every request to the matching handler. It is also the root RouterGroup,
// so engine.GET registers a route without a prefix.
type Engine struct {
	*RouterGroup
	router *router
	groups []*RouterGroup // every group, the root first, in creation order
	pool   sync.Pool      // of *Context, reused across requests

	htmlTemplates *template.Template // loaded by LoadHTMLGlob
	funcMap       template.FuncMap   // functions templates may call
}

// RouterGroup is a set of routes that share a path prefix and middleware.
// Groups nest: v1.Group("/admin") has the prefix "/v1/admin". All groups of
// an engine register into the same router.
type RouterGroup struct {
	prefix      string
	middlewares []HandlerFunc
	engine      *Engine
}

// New returns an Engine with no routes.
func New() *Engine {
	engine := &Engine{router: newRouter()}
	engine.RouterGroup = &RouterGroup{engine: engine}
	engine.groups = []*RouterGroup{engine.RouterGroup}
	engine.pool.New = func() any { return &Context{engine: engine} }
	return engine
}

// Default returns New() with the Logger and Recovery middleware, the usual
// set-up of a server.
func Default() *Engine {
	engine := New()
	engine.Use(Logger(), Recovery())
	return engine
}

// Group returns a new group whose prefix is the parent's prefix followed by
// prefix. The prefix must begin with '/'; a trailing '/' is dropped.
func (group *RouterGroup) Group(prefix string) *RouterGroup {
	if !strings.HasPrefix(prefix, "/") {
		panic(fmt.Sprintf("gee: group prefix %q must begin with '/'", prefix))
	}
	newGroup := &RouterGroup{
		prefix: group.prefix + strings.TrimRight(prefix, "/"),
		engine: group.engine,
	}
	group.engine.groups = append(group.engine.groups, newGroup)
	return newGroup
}

// Use adds middleware to the group. It runs, in the order given, for every
// request whose path lies in the group (whole segments: a "/v2" group
// covers "/v2" and "/v2/x", not "/v2abc"), including requests that match no
// route, after the middleware of the enclosing groups.
func (group *RouterGroup) Use(middlewares ...HandlerFunc) {
	group.middlewares = append(group.middlewares, middlewares...)
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

// SetFuncMap sets the functions templates may call. Call it before
// LoadHTMLGlob: functions are bound when the templates are parsed.
func (engine *Engine) SetFuncMap(funcMap template.FuncMap) {
	engine.funcMap = funcMap
}

// LoadHTMLGlob parses the templates matching pattern (as filepath.Glob),
// each named after its file, for use with Context.HTML. It panics if the
// pattern matches nothing or a template does not parse: like routes,
// templates are set up at start-up.
func (engine *Engine) LoadHTMLGlob(pattern string) {
	templates, err := template.New("").Funcs(engine.funcMap).ParseGlob(pattern)
	if err != nil {
		panic("gee: cannot load HTML templates: " + err.Error())
	}
	engine.htmlTemplates = templates
}

// Run listens on the TCP address addr and serves requests with the engine.
// It only returns on error, like http.ListenAndServe.
func (engine *Engine) Run(addr string) error {
	return http.ListenAndServe(addr, engine)
}

// ServeHTTP implements http.Handler, so an Engine can be given to
// http.Server, httptest.NewServer or any other net/http code.
// A Context is taken from a pool and must not be used after its handler
// returns.
func (engine *Engine) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	c := engine.pool.Get().(*Context)
	c.reset(w, req)
	engine.serve(c)
	engine.pool.Put(c)
}

// serve runs the middleware of the groups c.Path lies in and the route.
func (engine *Engine) serve(c *Context) {
	for _, group := range engine.groups {
		// A group without middleware has nothing to add: skip the path check.
		if len(group.middlewares) > 0 && inGroup(c.Path, group.prefix) {
			c.handlers = append(c.handlers, group.middlewares...)
		}
	}
	engine.router.handle(c)
}

// inGroup reports whether path lies under the group prefix, comparing whole
// segments the way the router does: empty segments are skipped (so
// "//v2/x" cannot dodge the "/v2" middleware) and a ":name" or "*name"
// segment in the prefix matches any segment.
func inGroup(path, prefix string) bool {
	for {
		var want, got string
		want, prefix = nextSegment(prefix)
		if want == "" {
			return true
		}
		if want[0] == '*' {
			return true
		}
		got, path = nextSegment(path)
		if got == "" || (got != want && want[0] != ':') {
			return false
		}
	}
}
