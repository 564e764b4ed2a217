package gee

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
)

// H is a shortcut for building JSON objects: c.JSON(200, gee.H{"ok": true}).
type H map[string]any

// Context carries one request and its response through the handlers. It
// offers short ways to read the request (Query, PostForm) and to answer
// (String, JSON, Data, HTML). Each request gets a new one.
type Context struct {
	// Writer is the response; it remembers the status it sent.
	Writer ResponseWriter
	// Req is the request being served.
	Req *http.Request
	// Path is Req.URL.Path, the path routes are matched against.
	Path string
	// Method is Req.Method.
	Method string
	// StatusCode is the last status set with Status (0 if none).
	StatusCode int

	params   []routeParam // route parameters, filled in by the router
	fullPath string       // pattern of the matched route

	handlers []HandlerFunc // middleware then the route handler
	index    int           // position of the running handler in handlers

	keys map[string]any // values stored with Set

	engine *Engine // for the HTML templates
}

func newContext(w http.ResponseWriter, req *http.Request) *Context {
	return &Context{
		Writer: newResponseWriter(w),
		Req:    req,
		Path:   req.URL.Path,
		Method: req.Method,
		index:  -1,
	}
}

// Next runs the remaining handlers of the chain and returns when they are
// done, so a middleware can do work both before and after the rest of the
// chain. A middleware that does not call Next lets the chain continue after
// it returns.
func (c *Context) Next() {
	c.index++
	for ; c.index < len(c.handlers); c.index++ {
		c.handlers[c.index](c)
	}
}

// abortIndex lies past any chain, so that Next runs nothing once Abort has
// set it, and IsAborted can tell an aborted chain from a finished one.
const abortIndex = math.MaxInt / 2

// Abort stops the handlers after the current one: they do not run, while the
// current handler finishes and middleware that already ran still finishes
// the code after its call to Next. It writes nothing; a middleware that
// answers (http.Redirect, c.JSON) calls it so the handler cannot answer too.
func (c *Context) Abort() {
	c.index = abortIndex
}

// IsAborted reports whether the chain was stopped by Abort, AbortWithStatus
// or Fail.
func (c *Context) IsAborted() bool {
	return c.index >= abortIndex
}

// AbortWithStatus stops the handlers after the current one and answers with
// code and no body, for example 401 from an authentication middleware.
func (c *Context) AbortWithStatus(code int) {
	c.Status(code)
	c.Abort()
}

// Fail stops the handlers after the current one and answers with code and a
// JSON body {"message": err}. Middleware that already ran still finishes the
// code after its call to Next.
func (c *Context) Fail(code int, err string) {
	c.Abort()
	c.JSON(code, H{"message": err})
}

// Set stores value under key for the handlers that run after this one, for
// example the user an authentication middleware found. Values last as long
// as the request.
func (c *Context) Set(key string, value any) {
	if c.keys == nil {
		c.keys = make(map[string]any)
	}
	c.keys[key] = value
}

// Get returns the value stored under key with Set, and whether there is one.
func (c *Context) Get(key string) (value any, exists bool) {
	value, exists = c.keys[key]
	return value, exists
}

// Param returns the value of the route parameter key: for the route
// "/users/:id" and the path "/users/42", c.Param("id") is "42"; for
// "/assets/*filepath" and "/assets/css/a.css", c.Param("filepath") is
// "css/a.css". It is "" for a name the route does not have.
func (c *Context) Param(key string) string {
	for _, p := range c.params {
		if p.key == key {
			return p.value
		}
	}
	return ""
}

// FullPath returns the pattern of the route that matched, such as
// "/users/:id" (group prefix included), or "" if no route matched. Unlike
// Path it is the same for every request to the route, which suits metrics
// and logs grouped by route.
func (c *Context) FullPath() string {
	return c.fullPath
}

// PostForm returns the first value of the form field key in a POST, PUT or
// PATCH body ("" if absent or if the body is not a valid form).
func (c *Context) PostForm(key string) string {
	return c.Req.PostFormValue(key)
}

// Query returns the first value of the URL query parameter key ("" if absent).
func (c *Context) Query(key string) string {
	return c.Req.URL.Query().Get(key)
}

// Status sends the status line. Only the first call takes effect: once the
// header is on the wire it cannot change.
func (c *Context) Status(code int) {
	c.StatusCode = code
	c.Writer.WriteHeader(code)
}

// SetHeader sets a response header; it must come before the body.
func (c *Context) SetHeader(key string, value string) {
	c.Writer.Header().Set(key, value)
}

// String answers with a formatted plain-text body.
func (c *Context) String(code int, format string, values ...any) {
	c.SetHeader("Content-Type", "text/plain; charset=utf-8")
	c.Status(code)
	fmt.Fprintf(c.Writer, format, values...)
}

// JSON answers with obj encoded as JSON. The body is encoded before anything
// is sent, so a value that cannot be encoded yields a clean 500 instead of a
// 200 with half a body.
func (c *Context) JSON(code int, obj any) {
	body, err := json.Marshal(obj)
	if err != nil {
		c.String(http.StatusInternalServerError, "gee: cannot encode JSON response: %v\n", err)
		return
	}
	c.SetHeader("Content-Type", "application/json")
	c.Status(code)
	c.Writer.Write(append(body, '\n'))
}

// Data answers with raw bytes; set Content-Type first if sniffing is not
// wanted.
func (c *Context) Data(code int, data []byte) {
	c.Status(code)
	c.Writer.Write(data)
}

// HTML answers with the template name, loaded by LoadHTMLGlob, executed
// with data. html/template escapes data for its place in the page, so user
// input cannot inject markup. The page is rendered before anything is sent:
// a template error yields a clean 500, not half a page.
func (c *Context) HTML(code int, name string, data any) {
	templates := c.engine.htmlTemplates
	if templates == nil {
		c.String(http.StatusInternalServerError, "gee: no HTML templates loaded; call LoadHTMLGlob first\n")
		return
	}
	var page bytes.Buffer
	if err := templates.ExecuteTemplate(&page, name, data); err != nil {
		c.String(http.StatusInternalServerError, "gee: cannot render template %q: %v\n", name, err)
		return
	}
	c.SetHeader("Content-Type", "text/html; charset=utf-8")
	c.Status(code)
	c.Writer.Write(page.Bytes())
}
