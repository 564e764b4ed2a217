package gee

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// serve sends one request through engine and returns the recorded answer.
func serve(engine http.Handler, method, target string, body io.Reader) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, req)
	return w
}

// panicMessage runs f and returns what it panicked with ("" if it did not).
func panicMessage(f func()) (msg string) {
	defer func() {
		if v := recover(); v != nil {
			msg = fmt.Sprint(v)
		}
	}()
	f()
	return ""
}

func TestEngineDispatchesByMethodAndPath(t *testing.T) {
	engine := New()
	engine.GET("/", func(c *Context) {
		c.String(200, "index")
	})
	engine.GET("/hello", func(c *Context) {
		c.String(200, "get hello")
	})
	engine.POST("/hello", func(c *Context) {
		c.String(200, "post hello")
	})

	tests := []struct {
		method, path string
		wantCode     int
		wantBody     string
	}{
		{"GET", "/", 200, "index"},
		{"GET", "/hello", 200, "get hello"},
		{"POST", "/hello", 200, "post hello"},
		{"GET", "/hello?name=x", 200, "get hello"},
		{"GET", "/missing", 404, "404 NOT FOUND: /missing\n"},
		{"DELETE", "/hello", 405, "405 METHOD NOT ALLOWED: DELETE /hello\n"},
		{"GET", "/hello/", 200, "get hello"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			w := serve(engine, tt.method, tt.path, nil)
			if w.Code != tt.wantCode || w.Body.String() != tt.wantBody {
				t.Fatalf("got %d %q, want %d %q", w.Code, w.Body.String(), tt.wantCode, tt.wantBody)
			}
		})
	}
}

func TestNotFoundIsPlainText(t *testing.T) {
	w := serve(New(), "GET", "/nothing", nil)
	if got := w.Header().Get("Content-Type"); got != "text/plain; charset=utf-8" {
		t.Fatalf("Content-Type = %q, want text/plain; charset=utf-8", got)
	}
}

func TestHandlerSeesTheRequest(t *testing.T) {
	engine := New()
	engine.POST("/echo", func(c *Context) {
		body, _ := io.ReadAll(c.Req.Body)
		c.String(200, "%s %s %s", c.Method, c.Query("q"), body)
	})
	w := serve(engine, "POST", "/echo?q=1", strings.NewReader("payload"))
	if got, want := w.Body.String(), "POST 1 payload"; got != want {
		t.Fatalf("body = %q, want %q", got, want)
	}
}

func TestRegisteringARouteTwicePanicsNamingIt(t *testing.T) {
	engine := New()
	h := func(*Context) {}
	engine.GET("/a", h)
	msg := panicMessage(func() { engine.GET("/a", h) })
	if !strings.Contains(msg, `GET "/a" conflicts with existing route GET "/a"`) {
		t.Fatalf("panic = %q, want it to name both routes", msg)
	}
	// The same path for another method is a different route.
	if msg := panicMessage(func() { engine.POST("/a", h) }); msg != "" {
		t.Fatalf("POST /a panicked: %s", msg)
	}
}

func TestBadRegistrationPanics(t *testing.T) {
	h := func(*Context) {}
	tests := []struct {
		name    string
		pattern string
		handler HandlerFunc
		want    string
	}{
		{"no leading slash", "hello", h, `gee: pattern "hello" must begin with '/'`},
		{"empty pattern", "", h, `gee: pattern "" must begin with '/'`},
		{"nil handler", "/x", nil, "gee: nil handler for GET /x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := panicMessage(func() { New().GET(tt.pattern, tt.handler) })
			if msg != tt.want {
				t.Fatalf("panic = %q, want %q", msg, tt.want)
			}
		})
	}
}

func TestEngineServesRealHTTP(t *testing.T) {
	engine := New()
	engine.GET("/ping", func(c *Context) {
		c.String(200, "pong")
	})
	srv := httptest.NewServer(engine)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/ping")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "pong" {
		t.Fatalf("got %d %q, want 200 pong", resp.StatusCode, body)
	}
}

func TestRunReportsListenError(t *testing.T) {
	if err := New().Run("127.0.0.1:-1"); err == nil {
		t.Fatal("Run on an invalid address returned nil")
	}
}

func TestHandleRegistersAnyMethod(t *testing.T) {
	engine := New()
	engine.Handle("PUT", "/item", func(c *Context) { c.String(200, "put") })
	engine.Handle("DELETE", "/item", func(c *Context) { c.String(200, "delete") })
	for _, method := range []string{"PUT", "DELETE"} {
		if w := serve(engine, method, "/item", nil); w.Code != 200 || w.Body.String() != strings.ToLower(method) {
			t.Errorf("%s /item = %d %q", method, w.Code, w.Body.String())
		}
	}
	if w := serve(engine, "GET", "/item", nil); w.Code == 200 {
		t.Errorf("GET /item answered 200 without a GET route")
	}
}
