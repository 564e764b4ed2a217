package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDemoRoutes(t *testing.T) {
	engine := newEngine(defaultRoot())
	tests := []struct {
		path     string
		wantCode int
		wantBody string
	}{
		{"/", 200, "<h1>Hello Gee</h1>"},
		{"/greet?name=%3Cb%3Eada%3C/b%3E", 200, "<p>Hello, &lt;b&gt;ada&lt;/b&gt;!</p>"},
		{"/students", 200, "<li>1: Jack is 22 years old</li>"},
		{"/date", 200, "<p>the Gee series started on: 2019-08-17</p>"},
		{"/assets/css/site.css", 200, "h1 { color: teal; }"},
		{"/assets/../main.go", 400, "400 BAD REQUEST: invalid path /assets/../main.go"},
		{"/assets/nope.css", 404, "404 NOT FOUND: /assets/nope.css"},
		{"/panic", 500, `{"message":"Internal Server Error"}`},
		{"/files/css/site.css", 200, `{"filepath":"css/site.css"}`},
		{"/v1/", 200, "<h1>Hello Gee v1</h1>"},
		{"/v1/hello?name=geektutu", 200, "hello geektutu, you're at /v1/hello"},
		{"/v2/hello/geektutu", 200, "hello geektutu, you're at /v2/hello/geektutu"},
		{"/v2/login", 405, "405 METHOD NOT ALLOWED: GET /v2/login"},
		{"/hello/geektutu", 404, "404 NOT FOUND: /hello/geektutu"},
		{"/nothing", 404, "404 NOT FOUND: /nothing"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", tt.path, nil)
		w := httptest.NewRecorder()
		engine.ServeHTTP(w, req)
		if w.Code != tt.wantCode || !strings.Contains(w.Body.String(), tt.wantBody) {
			t.Errorf("GET %s = %d %q, want %d containing %q", tt.path, w.Code, w.Body.String(), tt.wantCode, tt.wantBody)
		}
	}
}

func TestDemoLogin(t *testing.T) {
	req := httptest.NewRequest("POST", "/v2/login", strings.NewReader("username=geektutu&password=1234"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	newEngine(defaultRoot()).ServeHTTP(w, req)
	if want := `{"password":"1234","username":"geektutu"}` + "\n"; w.Code != 200 || w.Body.String() != want {
		t.Fatalf("POST /v2/login = %d %q, want 200 %q", w.Code, w.Body.String(), want)
	}
}

func TestDemoMiddleware(t *testing.T) {
	engine := newEngine(defaultRoot())
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, httptest.NewRequest("GET", "/v2/hello/ada", nil))
	if w.Header().Get("X-Gee-Group") != "v2" {
		t.Errorf("/v2 route without the v2 middleware's header")
	}
	w = httptest.NewRecorder()
	engine.ServeHTTP(w, httptest.NewRequest("GET", "/v1/", nil))
	if w.Header().Get("X-Gee-Group") != "" {
		t.Errorf("/v1 route got the v2 middleware's header")
	}
	w = httptest.NewRecorder()
	engine.ServeHTTP(w, httptest.NewRequest("GET", "/admin/stats", nil))
	if w.Code != 401 || !strings.Contains(w.Body.String(), "missing or wrong X-Token") {
		t.Errorf("/admin/stats without token = %d %q", w.Code, w.Body.String())
	}
	req := httptest.NewRequest("GET", "/admin/stats", nil)
	req.Header.Set("X-Token", "secret")
	w = httptest.NewRecorder()
	engine.ServeHTTP(w, req)
	if w.Code != 200 || w.Body.String() != `{"requests":42,"user":"geektutu"}`+"\n" {
		t.Errorf("/admin/stats with token = %d %q", w.Code, w.Body.String())
	}
}

func TestDemoAccountRedirectsWithoutSession(t *testing.T) {
	engine := newEngine(defaultRoot())
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, httptest.NewRequest("GET", "/account", nil))
	if w.Code != 302 || w.Header().Get("Location") != "/" || strings.Contains(w.Body.String(), "your account") {
		t.Errorf("/account without session = %d Location=%q %q, want a bare redirect to /", w.Code, w.Header().Get("Location"), w.Body.String())
	}
	req := httptest.NewRequest("GET", "/account", nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: "1"})
	w = httptest.NewRecorder()
	engine.ServeHTTP(w, req)
	if w.Code != 200 || w.Body.String() != "your account\n" {
		t.Errorf("/account with session = %d %q", w.Code, w.Body.String())
	}
}

func TestServeReportsListenError(t *testing.T) {
	if err := serve("127.0.0.1:-1", newEngine(defaultRoot())); err == nil {
		t.Fatal("serve on an invalid address returned nil")
	}
}
