package gee

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
)

// router keeps one trie per HTTP method. A short slice searched in order is
// cheaper than a map for the handful of methods a server uses.
type router struct {
	trees []methodTree
}

type methodTree struct {
	method string
	root   *node
}

func newRouter() *router {
	return &router{}
}

// root returns the trie of method, or nil.
func (r *router) root(method string) *node {
	for i := range r.trees {
		if r.trees[i].method == method {
			return r.trees[i].root
		}
	}
	return nil
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
	root := r.root(method)
	if root == nil {
		root = &node{}
		r.trees = append(r.trees, methodTree{method, root})
	}
	root.insert(method, pattern, handler)
}

// getRoute finds the route for method and path, appending its parameters to
// params. A HEAD request with no HEAD route is served by the GET route, as
// net/http's ServeMux does (net/http sends the headers, drops the body).
func (r *router) getRoute(method string, path string, params *[]routeParam) *node {
	if root := r.root(method); root != nil {
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
	for _, tree := range r.trees {
		if tree.root.search(path, &scratch) != nil {
			methods = append(methods, tree.method)
		}
		scratch = scratch[:0]
	}
	if slices.Contains(methods, http.MethodGet) && !slices.Contains(methods, http.MethodHead) {
		methods = append(methods, http.MethodHead)
	}
	sort.Strings(methods)
	return methods
}

// handle appends the route's handler to the middleware already in c, or a
// 404/405 answer when there is no route, and runs the chain.
func (r *router) handle(c *Context) {
	if n := r.getRoute(c.Method, c.Path, &c.params); n != nil {
		c.fullPath = n.pattern
		c.handlers = append(c.handlers, n.handler)
	} else if methods := r.allowed(c.Path); len(methods) > 0 {
		// Set before the chain runs, as gin does, so that the header goes
		// out even when a middleware answers first.
		c.SetHeader("Allow", strings.Join(methods, ", "))
		c.handlers = append(c.handlers, methodNotAllowed)
	} else {
		c.handlers = append(c.handlers, notFound)
	}
	c.Next()
}

// methodNotAllowed ends the chain of a request whose path has routes for
// other methods only. An answer a middleware has started (a redirect, a
// CORS preflight) stands: a second status cannot be sent, and a 405 body
// appended to it would corrupt it.
func methodNotAllowed(c *Context) {
	if !c.Writer.Written() {
		c.String(http.StatusMethodNotAllowed, "405 METHOD NOT ALLOWED: %s %s\n", c.Method, c.Path)
	}
}

// notFound ends the chain of a request no route matches; like
// methodNotAllowed it leaves a started answer alone.
func notFound(c *Context) {
	if !c.Writer.Written() {
		c.String(http.StatusNotFound, "404 NOT FOUND: %s\n", c.Path)
	}
}
