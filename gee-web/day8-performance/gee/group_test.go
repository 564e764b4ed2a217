package gee

import (
	"net/http"
	"testing"
)

func TestGroupsShareOneEngine(t *testing.T) {
	engine := New()
	reply := func(text string) HandlerFunc {
		return func(c *Context) { c.String(http.StatusOK, "%s %s", text, c.Param("name")) }
	}
	engine.GET("/", reply("root"))
	v1 := engine.Group("/v1")
	v1.GET("/", reply("v1 index"))
	v1.GET("/hello", reply("v1 hello"))
	v2 := engine.Group("/v2/") // trailing slash is dropped
	v2.GET("/hello/:name", reply("v2 hello"))
	v2.POST("/login", reply("v2 login"))
	admin := v1.Group("/admin")
	admin.GET("/users/:name", reply("admin user"))

	tests := []struct {
		method, path string
		wantCode     int
		wantBody     string
	}{
		{"GET", "/", 200, "root "},
		{"GET", "/v1", 200, "v1 index "},
		{"GET", "/v1/hello", 200, "v1 hello "},
		{"GET", "/v2/hello/ada", 200, "v2 hello ada"},
		{"POST", "/v2/login", 200, "v2 login "},
		{"GET", "/v1/admin/users/bob", 200, "admin user bob"},
		{"GET", "/admin/users/bob", 404, "404 NOT FOUND: /admin/users/bob\n"},
		{"GET", "/hello", 404, "404 NOT FOUND: /hello\n"},
		{"GET", "/v1hello", 404, "404 NOT FOUND: /v1hello\n"},
		{"GET", "/v2/login", 405, "405 METHOD NOT ALLOWED: GET /v2/login\n"},
	}
	for _, tt := range tests {
		w := serve(engine, tt.method, tt.path, nil)
		if w.Code != tt.wantCode || w.Body.String() != tt.wantBody {
			t.Errorf("%s %s = %d %q, want %d %q", tt.method, tt.path, w.Code, w.Body.String(), tt.wantCode, tt.wantBody)
		}
	}
}

func TestEngineIsTheRootGroup(t *testing.T) {
	engine := New()
	if engine.RouterGroup == nil || engine.RouterGroup.engine != engine || engine.prefix != "" {
		t.Fatal("engine's root group is not wired to the engine with an empty prefix")
	}
	if g := engine.Group("/a").Group("/b"); g.prefix != "/a/b" || g.engine != engine {
		t.Fatalf("nested group prefix %q, engine shared: %v", g.prefix, g.engine == engine)
	}
}

func TestGroupConflictsAreCaughtAcrossGroups(t *testing.T) {
	engine := New()
	engine.GET("/v1/hello", func(*Context) {})
	msg := panicMessage(func() { engine.Group("/v1").GET("/hello", func(*Context) {}) })
	if msg != `gee: route GET "/v1/hello" conflicts with existing route GET "/v1/hello"` {
		t.Fatalf("panic = %q", msg)
	}
}

func TestBadGroupInputPanics(t *testing.T) {
	engine := New()
	if msg := panicMessage(func() { engine.Group("v1") }); msg != `gee: group prefix "v1" must begin with '/'` {
		t.Errorf("Group(\"v1\") panic = %q", msg)
	}
	v1 := engine.Group("/v1")
	if msg := panicMessage(func() { v1.GET("hello", func(*Context) {}) }); msg != `gee: pattern "hello" must begin with '/'` {
		t.Errorf("v1.GET(\"hello\") panic = %q", msg)
	}
}
