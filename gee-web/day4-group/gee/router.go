package gee

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// router keeps one trie per HTTP method.
type router struct {
	roots map[string]*node
}

func newRouter() *router {
	return &router{roots: make(map[string]*node)}
}

// addRoute panics on malformed patterns and on routes that clash with an
// existing one: both are programming errors that would otherwise make a
// handler silently unreachable.
func (r *router) addRoute(method string, pattern string, handler HandlerFunc) {
	if !strings.HasPrefix(pattern, "/") {
		panic(fmt.Sprintf("gee: pattern %q must begin with '/'", pattern))
	}
	if handler == nil {
		panic(fmt.Sprintf("gee: nil handler for %s %s", method, pattern))
	}
	checkPattern(method, pattern)
	root, ok := r.roots[method]
	if !ok {
		root = &node{}
		r.roots[method] = root
	}
	root.insert(method, pattern, handler)
}

// getRoute finds the route for method and path, appending its parameters to
// params. A HEAD request with no HEAD route is served by the GET route, as
// net/http's ServeMux does (net/http sends the headers, drops the body).
func (r *router) getRoute(method string, path string, params *[]routeParam) *node {
	if root, ok := r.roots[method]; ok {
		if n := root.search(path, params); n != nil {
			return n
		}
	}
	if method == http.MethodHead {
		return r.getRoute(http.MethodGet, path, params)
	}
	return nil
}

// allowed lists, sorted, the methods that have a route for path, HEAD
// included wherever GET is.
func (r *router) allowed(path string) []string {
	var methods []string
	var scratch []routeParam
	for method, root := range r.roots {
		if root.search(path, &scratch) != nil {
			methods = append(methods, method)
		}
		scratch = scratch[:0]
	}
	if slices.Contains(methods, http.MethodGet) && !slices.Contains(methods, http.MethodHead) {
		methods = append(methods, http.MethodHead)
	}
	sort.Strings(methods)
	return methods
}

func (r *router) handle(c *Context) {
	if n := r.getRoute(c.Method, c.Path, &c.params); n != nil {
		c.fullPath = n.pattern
		n.handler(c)
		return
	}
	if methods := r.allowed(c.Path); len(methods) > 0 {
		c.SetHeader("Allow", strings.Join(methods, ", "))
		c.String(http.StatusMethodNotAllowed, "405 METHOD NOT ALLOWED: %s %s\n", c.Method, c.Path)
		return
	}
	c.String(http.StatusNotFound, "404 NOT FOUND: %s\n", c.Path)
}
