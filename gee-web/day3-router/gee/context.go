package gee

import (
	"encoding/json"
	"fmt"
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
}

func newContext(w http.ResponseWriter, req *http.Request) *Context {
	return &Context{
		Writer: newResponseWriter(w),
		Req:    req,
		Path:   req.URL.Path,
		Method: req.Method,
	}
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

// HTML answers with an HTML document given as a string.
func (c *Context) HTML(code int, html string) {
	c.SetHeader("Content-Type", "text/html; charset=utf-8")
	c.Status(code)
	c.Writer.Write([]byte(html))
}
