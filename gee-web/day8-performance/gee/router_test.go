package gee

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// routedEngine answers every route with "<pattern> <params>" so tests can see
// which route matched and what it captured.
func routedEngine(patterns ...string) *Engine {
	engine := New()
	for _, pattern := range patterns {
		pattern := pattern
		engine.GET(pattern, func(c *Context) {
			var b strings.Builder
			b.WriteString(pattern)
			for _, p := range c.params {
				b.WriteString(" " + p.key + "=" + p.value)
			}
			c.String(http.StatusOK, "%s", b.String())
		})
	}
	return engine
}

var demoPatterns = []string{
	"/",
	"/hello",
	"/hello/:name",
	"/hello/b/c",
	"/p/:lang/doc",
	"/users/new",
	"/users/:id",
	"/users/:id/profile",
	"/assets/*filepath",
	"/files/:dir/*rest",
}

func TestRouterMatches(t *testing.T) {
	engine := routedEngine(demoPatterns...)
	tests := []struct {
		path string
		want string // "<pattern> params" or "404"
	}{
		{"/", "/"},
		{"/hello", "/hello"},
		{"/hello/", "/hello"},
		{"//hello", "/hello"},
		{"/hello/geektutu", "/hello/:name name=geektutu"},
		{"/hello/b/c", "/hello/b/c"},
		{"/hello/b", "/hello/:name name=b"},
		{"/p/go/doc", "/p/:lang/doc lang=go"},
		{"/p/go", "404"},
		{"/users/new", "/users/new"},
		{"/users/42", "/users/:id id=42"},
		{"/users/42/profile", "/users/:id/profile id=42"},
		{"/assets/css/site.css", "/assets/*filepath filepath=css/site.css"},
		{"/assets/a", "/assets/*filepath filepath=a"},
		{"/assets/a/", "/assets/*filepath filepath=a/"},
		{"/assets", "404"},
		{"/files/x/y/z", "/files/:dir/*rest dir=x rest=y/z"},
		{"/nothing/here", "404"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := serve(engine, "GET", tt.path, nil)
			got := w.Body.String()
			if w.Code == 404 {
				got = "404"
			}
			if got != tt.want {
				t.Fatalf("GET %s matched %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

// The well-known version inserted "/hello/b/c" below the ":name" node when
// "/hello/:name" came first, so "/hello/21/c" ran the "/hello/b/c" handler.
func TestStaticRouteDoesNotLeakIntoParamSibling(t *testing.T) {
	engine := routedEngine("/hello/:id", "/hello/b/c")
	if w := serve(engine, "GET", "/hello/21/c", nil); w.Code != 404 {
		t.Fatalf("GET /hello/21/c = %d %q, want 404", w.Code, w.Body.String())
	}
	if w := serve(engine, "GET", "/hello/b/c", nil); w.Body.String() != "/hello/b/c" {
		t.Fatalf("GET /hello/b/c matched %q", w.Body.String())
	}
	if w := serve(engine, "GET", "/hello/21", nil); w.Body.String() != "/hello/:id id=21" {
		t.Fatalf("GET /hello/21 matched %q", w.Body.String())
	}
}

func TestStaticWinsOverParamWithBacktracking(t *testing.T) {
	// Registration order must not matter.
	for _, patterns := range [][]string{
		{"/users/new", "/users/:id/profile", "/users/:id"},
		{"/users/:id", "/users/:id/profile", "/users/new"},
	} {
		engine := routedEngine(patterns...)
		for path, want := range map[string]string{
			"/users/new":         "/users/new",
			"/users/7":           "/users/:id id=7",
			"/users/new/profile": "/users/:id/profile id=new", // "new" dead-ends, back to :id
		} {
			if got := serve(engine, "GET", path, nil).Body.String(); got != want {
				t.Errorf("routes %v: GET %s matched %q, want %q", patterns, path, got, want)
			}
		}
	}
}

func TestParamWinsOverWildcard(t *testing.T) {
	engine := routedEngine("/src/*path", "/src/:file")
	if got := serve(engine, "GET", "/src/a.go", nil).Body.String(); got != "/src/:file file=a.go" {
		t.Fatalf("GET /src/a.go matched %q", got)
	}
	if got := serve(engine, "GET", "/src/a/b.go", nil).Body.String(); got != "/src/*path path=a/b.go" {
		t.Fatalf("GET /src/a/b.go matched %q", got)
	}
}

func TestBacktrackingDropsParamsOfDeadEnds(t *testing.T) {
	engine := routedEngine("/a/:x/b/:y", "/a/*rest")
	// :x is tried first and fails at "c", so only rest may be reported.
	if got := serve(engine, "GET", "/a/1/c/2", nil).Body.String(); got != "/a/*rest rest=1/c/2" {
		t.Fatalf("GET /a/1/c/2 matched %q", got)
	}
}

func TestContextParam(t *testing.T) {
	engine := New()
	engine.GET("/p/:lang/*file", func(c *Context) {
		c.String(200, "%s|%s|%s", c.Param("lang"), c.Param("file"), c.Param("missing"))
	})
	if got := serve(engine, "GET", "/p/go/doc/a.md", nil).Body.String(); got != "go|doc/a.md|" {
		t.Fatalf("params = %q", got)
	}
}

func TestRegistrationConflictsPanicNamingBothPatterns(t *testing.T) {
	tests := []struct {
		name     string
		existing string
		pattern  string
		want     string
	}{
		{"same route twice", "/a/:id", "/a/:id",
			`gee: route GET "/a/:id" conflicts with existing route GET "/a/:id"`},
		{"same route, other spelling", "/a/b", "/a/b/",
			`gee: route GET "/a/b/" conflicts with existing route GET "/a/b"`},
		{"two parameter names", "/a/:id", "/a/:name",
			`gee: ":name" in route GET "/a/:name" conflicts with ":id" in existing route GET "/a/:id"`},
		{"two parameter names deeper", "/a/:id/x", "/a/:name/y",
			`gee: ":name" in route GET "/a/:name/y" conflicts with ":id" in existing route GET "/a/:id/x"`},
		{"two wildcard names", "/s/*path", "/s/*file",
			`gee: "*file" in route GET "/s/*file" conflicts with "*path" in existing route GET "/s/*path"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			engine := New()
			engine.GET(tt.existing, func(*Context) {})
			if msg := panicMessage(func() { engine.GET(tt.pattern, func(*Context) {}) }); msg != tt.want {
				t.Fatalf("panic = %q\nwant    %q", msg, tt.want)
			}
		})
	}
}

func TestMalformedPatternsPanic(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{"/a/*rest/b", `gee: wildcard "*rest" must be the last segment of route GET "/a/*rest/b"`},
		{"/a/:", `gee: empty parameter name ":" in route GET "/a/:"`},
		{"/a/*", `gee: empty parameter name "*" in route GET "/a/*"`},
		{"a/b", `gee: pattern "a/b" must begin with '/'`},
	}
	for _, tt := range tests {
		if msg := panicMessage(func() { New().GET(tt.pattern, func(*Context) {}) }); msg != tt.want {
			t.Errorf("GET(%q) panic = %q, want %q", tt.pattern, msg, tt.want)
		}
	}
}

func TestSamePatternOnOtherMethodIsFine(t *testing.T) {
	engine := New()
	engine.GET("/a/:id", func(*Context) {})
	if msg := panicMessage(func() { engine.POST("/a/:name", func(*Context) {}) }); msg != "" {
		t.Fatalf("POST /a/:name panicked: %s", msg)
	}
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	engine := New()
	engine.GET("/items/:id", func(c *Context) { c.String(200, "get") })
	engine.POST("/items/:id", func(c *Context) { c.String(200, "post") })
	engine.POST("/login", func(c *Context) { c.String(200, "login") })

	w := serve(engine, "DELETE", "/items/3", nil)
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "GET, HEAD, POST" {
		t.Fatalf("DELETE /items/3 = %d Allow=%q, want 405 Allow=\"GET, HEAD, POST\"", w.Code, w.Header().Get("Allow"))
	}
	if w.Body.String() != "405 METHOD NOT ALLOWED: DELETE /items/3\n" {
		t.Fatalf("body = %q", w.Body.String())
	}
	w = serve(engine, "GET", "/login", nil)
	if w.Code != 405 || w.Header().Get("Allow") != "POST" {
		t.Fatalf("GET /login = %d Allow=%q, want 405 Allow=POST", w.Code, w.Header().Get("Allow"))
	}
	w = serve(engine, "GET", "/nowhere", nil)
	if w.Code != 404 || w.Header().Get("Allow") != "" {
		t.Fatalf("GET /nowhere = %d Allow=%q, want 404 without Allow", w.Code, w.Header().Get("Allow"))
	}
}

// plainSearch is day7's search, recursive and cutting each segment out
// before comparing it: the reference this chapter's faster search must agree
// with, route for route and parameter for parameter.
func (n *node) plainSearch(path string, params *[]routeParam) *node {
	part, rest := nextSegment(path)
	if part == "" {
		if n.handler != nil {
			return n
		}
		return nil
	}
	for _, c := range n.children {
		if c.part == part {
			if found := c.plainSearch(rest, params); found != nil {
				return found
			}
			break
		}
	}
	if n.param != nil {
		mark := len(*params)
		*params = append(*params, routeParam{key: n.param.part[1:], value: part})
		if found := n.param.plainSearch(rest, params); found != nil {
			return found
		}
		*params = (*params)[:mark]
	}
	if n.wildcard != nil {
		*params = append(*params, routeParam{key: n.wildcard.part[1:], value: strings.TrimLeft(path, "/")})
		return n.wildcard
	}
	return nil
}

var agreementPatterns = append([]string{
	"/a/:x/b/:y", "/a/*rest", "/src/*path", "/src/:file", "/users/:id/new",
	"/user", "/users", "/u/:id", "/us/:id/x", "/hello/:name/x/:y", "/ab/c", "/abc/:d",
}, demoPatterns...)

func agreementRoot(t testing.TB) *node {
	r := newRouter()
	for _, pattern := range agreementPatterns {
		r.addRoute("GET", pattern, func(*Context) {})
	}
	return r.root("GET")
}

// checkAgreement compares both searches on path; a search that finds
// nothing must leave params as it found them.
func checkAgreement(t testing.TB, root *node, path string) {
	before := []routeParam{{"outer", "kept"}}
	fast := append([]routeParam(nil), before...)
	plain := append([]routeParam(nil), before...)
	got, want := root.search(path, &fast), root.plainSearch(path, &plain)
	if want == nil {
		plain = before
	}
	if got != want || !slices.Equal(fast, plain) {
		t.Errorf("%q: search found %v with %v, the plain walk %v with %v", path, got, fast, want, plain)
	}
}

func TestSearchAgreesWithThePlainWalk(t *testing.T) {
	root := agreementRoot(t)
	paths := []string{"", "/", "//", "/a/1/b/2", "/a/1/b", "/a/1/c/2", "/a/1/b/2/3", "/src/a.go", "/src/a/b.go",
		"/users/new", "/users/new/", "/users/7/new", "/users/new/new", "/user", "/user/", "/users", "/use",
		"/u/1", "/us/1/x", "/us/1", "/hello/x/x/y", "/hello/x/x", "/hello/b/c", "/hello/b/c/d", "/ab/c", "/abc/x",
		"/ab", "/abc", "//hello//b//c//", "/assets", "/assets/", "/files/d", "/files/d/", "/nothing/here"}
	for _, pattern := range agreementPatterns {
		paths = append(paths, pattern, strings.ReplaceAll(pattern, ":", "v"), pattern+"/more")
	}
	for _, path := range paths {
		checkAgreement(t, root, path)
	}
}

func FuzzSearchAgreesWithThePlainWalk(f *testing.F) {
	root := agreementRoot(f)
	for _, seed := range []string{"/a/1/b/2", "/users/new/new", "//hello//b//c//", "/us/1/x", "/src/a/b.go"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, path string) { checkAgreement(t, root, path) })
}

func TestLookupDoesNotAllocate(t *testing.T) {
	r := newRouter()
	for _, pattern := range demoPatterns {
		r.addRoute("GET", pattern, func(*Context) {})
	}
	params := make([]routeParam, 0, 8)
	for _, path := range []string{"/hello/b/c", "/users/new/profile", "/files/x/y/z", "/nothing/here"} {
		allocs := testing.AllocsPerRun(100, func() {
			params = params[:0]
			r.getRoute("GET", path, &params)
		})
		if allocs != 0 {
			t.Errorf("lookup of %s: %v allocations, want 0", path, allocs)
		}
	}
}

// The well-known version inserted a pattern segment by segment and checked
// it on the way, so a pattern rejected half-way left its first nodes in the
// trie: after "/a/:x/*" panicked, a valid "/a/:y" "conflicted" with a route
// that was never registered.
func TestRejectedPatternLeavesNoNodesBehind(t *testing.T) {
	h := func(*Context) {}
	for _, bad := range []string{"/a/:x/*", "/a/:x/*rest/more", "/a/:x/b_:c", "/a/:x:y"} {
		r := newRouter()
		if msg := panicMessage(func() { r.addRoute("GET", bad, h) }); msg == "" {
			t.Fatalf("GET %q was accepted", bad)
		}
		if len(r.trees) != 0 {
			t.Fatalf("rejected GET %q left a trie behind", bad)
		}
		engine := New()
		panicMessage(func() { engine.GET(bad, h) })
		if msg := panicMessage(func() { engine.GET("/a/:y", func(c *Context) { c.String(200, "y=%s", c.Param("y")) }) }); msg != "" {
			t.Fatalf("after rejecting %q, GET /a/:y panicked: %s", bad, msg)
		}
		if w := serve(engine, "GET", "/a/1", nil); w.Body.String() != "y=1" {
			t.Fatalf("after rejecting %q, GET /a/1 = %d %q", bad, w.Code, w.Body.String())
		}
	}
}

// gin and httprouter read "/user_:name" as a parameter with a prefix; this
// trie compares whole segments, so it would be a static segment matching
// only the literal text. A pattern that cannot mean what it says panics.
func TestColonOrStarInsideASegmentPanicsNamingTheRoute(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{"/user_:name", `gee: "user_:name" in route GET "/user_:name": ':' and '*' may only begin a segment`},
		{"/:foo:bar", `gee: ":foo:bar" in route GET "/:foo:bar": ':' and '*' may only begin a segment`},
		{"/files/a*.txt", `gee: "a*.txt" in route GET "/files/a*.txt": ':' and '*' may only begin a segment`},
		{"/src/*path:x", `gee: "*path:x" in route GET "/src/*path:x": ':' and '*' may only begin a segment`},
		{"/a/b*c/d", `gee: "b*c" in route GET "/a/b*c/d": ':' and '*' may only begin a segment`},
	}
	for _, tt := range tests {
		if msg := panicMessage(func() { New().GET(tt.pattern, func(*Context) {}) }); msg != tt.want {
			t.Errorf("GET(%q) panic = %q\nwant %q", tt.pattern, msg, tt.want)
		}
	}
}

func TestFullPathIsTheMatchedPattern(t *testing.T) {
	engine := New()
	for _, pattern := range []string{"/about", "/users/:id", "/assets/*filepath"} {
		engine.GET(pattern, func(c *Context) { c.String(200, "%s", c.FullPath()) })
	}
	for path, want := range map[string]string{
		"/about":         "/about",
		"//about/":       "/about",
		"/users/42":      "/users/:id",
		"/assets/a/b.js": "/assets/*filepath",
	} {
		if got := serve(engine, "GET", path, nil).Body.String(); got != want {
			t.Errorf("GET %s: FullPath() = %q, want %q", path, got, want)
		}
	}
}

// The well-known version answered HEAD only for HEAD routes, so curl -I on
// any page got a 404 (405 here). net/http's ServeMux serves HEAD with the GET
// pattern, and its server sends the headers without the body.
func TestHeadIsServedByTheGetRouteWithoutABody(t *testing.T) {
	engine := New()
	engine.GET("/users/:id", func(c *Context) {
		c.SetHeader("X-Method", c.Method)
		c.String(200, "user %s via %s\n", c.Param("id"), c.FullPath())
	})
	srv := httptest.NewServer(engine)
	defer srv.Close()

	get, err := http.Get(srv.URL + "/users/7")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(get.Body)
	get.Body.Close()
	head, err := http.Head(srv.URL + "/users/7")
	if err != nil {
		t.Fatal(err)
	}
	headBody, _ := io.ReadAll(head.Body)
	head.Body.Close()

	if string(body) != "user 7 via /users/:id\n" {
		t.Fatalf("GET body = %q", body)
	}
	if head.StatusCode != 200 || len(headBody) != 0 || head.Header.Get("X-Method") != "HEAD" {
		t.Fatalf("HEAD = %d body %q X-Method %q, want 200, no body, the handler run with HEAD", head.StatusCode, headBody, head.Header.Get("X-Method"))
	}
	for _, key := range []string{"Content-Type", "Content-Length"} {
		if head.Header.Get(key) != get.Header.Get(key) {
			t.Errorf("HEAD %s = %q, GET sent %q", key, head.Header.Get(key), get.Header.Get(key))
		}
	}
}

func TestExplicitHeadRouteWinsOverGet(t *testing.T) {
	engine := New()
	engine.GET("/doc", func(c *Context) { c.SetHeader("X-Route", "get") })
	engine.Handle("HEAD", "/doc", func(c *Context) { c.SetHeader("X-Route", "head") })
	if w := serve(engine, "HEAD", "/doc", nil); w.Header().Get("X-Route") != "head" {
		t.Fatalf("HEAD /doc ran the %q route", w.Header().Get("X-Route"))
	}
}

func TestHeadWithoutGetRouteIs405(t *testing.T) {
	engine := New()
	engine.POST("/form", func(c *Context) { c.String(200, "posted") })
	engine.GET("/page", func(c *Context) { c.String(200, "page") })
	w := serve(engine, "HEAD", "/form", nil)
	if w.Code != 405 || w.Header().Get("Allow") != "POST" {
		t.Fatalf("HEAD /form = %d Allow=%q, want 405 Allow=POST", w.Code, w.Header().Get("Allow"))
	}
	if w := serve(engine, "HEAD", "/missing", nil); w.Code != 404 {
		t.Fatalf("HEAD /missing = %d, want 404", w.Code)
	}
	// As ServeMux does, Allow names HEAD wherever GET is allowed.
	if w := serve(engine, "PUT", "/page", nil); w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
		t.Fatalf("PUT /page = %d Allow=%q, want 405 Allow=\"GET, HEAD\"", w.Code, w.Header().Get("Allow"))
	}
}

func FuzzRouterNeverPanics(f *testing.F) {
	engine := routedEngine(demoPatterns...)
	engine.POST("/users/:id", func(c *Context) { c.String(200, "post") })
	for _, seed := range []string{"/", "", "/users/new/profile", "//a//b", "/assets/", "/hello/:name", "/files/*", "/\x00/é"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, path string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.URL.Path = path // any string, even one a client could not send
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, req)
		switch w.Code {
		case 200, 404, 405:
		default:
			t.Fatalf("path %q answered %d", path, w.Code)
		}
		if w.Code == 200 && utf8.ValidString(path) && !strings.HasPrefix(w.Body.String(), "/") {
			t.Fatalf("path %q matched %q", path, w.Body.String())
		}
	})
}

func benchmarkLookup(b *testing.B, path string) {
	engine := routedEngine(demoPatterns...)
	r := engine.router
	params := make([]routeParam, 0, 8)
	b.ReportAllocs()
	for b.Loop() {
		params = params[:0]
		if r.getRoute("GET", path, &params) == nil {
			b.Fatal("no match")
		}
	}
}

// Run with: go test -run '^$' -bench Lookup -benchmem ./gee
func BenchmarkLookupStatic(b *testing.B)   { benchmarkLookup(b, "/hello/b/c") }
func BenchmarkLookupParam(b *testing.B)    { benchmarkLookup(b, "/users/42/profile") }
func BenchmarkLookupWildcard(b *testing.B) { benchmarkLookup(b, "/assets/css/site.css") }

// discardWriter is a ResponseWriter that keeps nothing, so that the
// allocation test below counts the framework's allocations only.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// Once the Context has served a request or two, serving a route allocates
// nothing: the pooled Context keeps its writer, its parameter slice and its
// handler slice. (The pool itself is left out: under the race detector it
// drops a quarter of what it is given on purpose.)
func TestServingARouteDoesNotAllocate(t *testing.T) {
	engine := New()
	for _, pattern := range demoPatterns {
		engine.GET(pattern, func(*Context) {})
	}
	w := &discardWriter{header: http.Header{}}
	c := &Context{engine: engine}
	for _, target := range []string{"/hello/b/c", "/users/42/profile", "/files/x/y/z", "/assets/css/site.css"} {
		for _, method := range []string{"GET", "HEAD"} {
			req := httptest.NewRequest(method, target, nil)
			allocs := testing.AllocsPerRun(100, func() {
				c.reset(w, req)
				engine.serve(c)
			})
			if allocs != 0 {
				t.Errorf("%s %s: %v allocations, want 0", method, target, allocs)
			}
		}
	}
}
