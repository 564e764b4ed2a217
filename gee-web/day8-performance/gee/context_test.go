package gee

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// answer registers handler for GET /t, serves target and returns the result.
func answer(t *testing.T, target string, handler HandlerFunc) *httptest.ResponseRecorder {
	t.Helper()
	engine := New()
	engine.GET("/t", handler)
	return serve(engine, "GET", target, nil)
}

func TestContextString(t *testing.T) {
	w := answer(t, "/t", func(c *Context) { c.String(http.StatusCreated, "%s=%d", "n", 7) })
	if w.Code != 201 || w.Body.String() != "n=7" || w.Header().Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("got %d %q %q", w.Code, w.Body.String(), w.Header().Get("Content-Type"))
	}
}

func TestContextJSON(t *testing.T) {
	w := answer(t, "/t", func(c *Context) { c.JSON(http.StatusOK, H{"name": "gee", "n": 1}) })
	if w.Code != 200 || w.Body.String() != `{"n":1,"name":"gee"}`+"\n" {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
}

// The well-known version streamed the encoder into the response after
// writing the status, so a value that failed half-way produced a 200 with a
// partial body and an error text appended.
func TestJSONEncodingErrorIsA500WithoutPartialBody(t *testing.T) {
	type payload struct {
		Name string
		Bad  chan int // encoding/json cannot encode channels
	}
	w := answer(t, "/t", func(c *Context) { c.JSON(http.StatusOK, payload{Name: "half", Bad: make(chan int)}) })
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", w.Code)
	}
	body := w.Body.String()
	if strings.Contains(body, "half") || strings.Contains(body, "{") {
		t.Fatalf("body %q contains part of the JSON document", body)
	}
	if !strings.HasPrefix(body, "gee: cannot encode JSON response: json: unsupported type: chan int") {
		t.Fatalf("body = %q, want the encoding error", body)
	}
	if ct := w.Header().Get("Content-Type"); ct == "application/json" {
		t.Fatal("error answer claims to be JSON")
	}
}

func TestContextData(t *testing.T) {
	w := answer(t, "/t", func(c *Context) {
		c.SetHeader("Content-Type", "application/octet-stream")
		c.Data(http.StatusAccepted, []byte{0, 1, 2})
	})
	if w.Code != 202 || w.Body.String() != "\x00\x01\x02" || w.Header().Get("Content-Type") != "application/octet-stream" {
		t.Fatalf("Data: got %d %q %q", w.Code, w.Body.String(), w.Header().Get("Content-Type"))
	}
}

func TestContextQueryAndPostForm(t *testing.T) {
	engine := New()
	engine.POST("/t", func(c *Context) {
		c.String(200, "q=%q form=%q missing=%q fromQuery=%q", c.Query("q"), c.PostForm("user"), c.PostForm("nope"), c.PostForm("q"))
	})
	req := httptest.NewRequest("POST", "/t?q=a+b", strings.NewReader("user=geektutu&x=1"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, req)
	// PostForm reads only the body, never the query string.
	if want := `q="a b" form="geektutu" missing="" fromQuery=""`; w.Body.String() != want {
		t.Fatalf("body = %q, want %q", w.Body.String(), want)
	}
}

func TestPostFormWithMalformedBodyIsEmpty(t *testing.T) {
	engine := New()
	engine.POST("/t", func(c *Context) { c.String(200, "[%s]", c.PostForm("user")) })
	req := httptest.NewRequest("POST", "/t", strings.NewReader("user=%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	engine.ServeHTTP(w, req)
	if w.Code != 200 || w.Body.String() != "[]" {
		t.Fatalf("got %d %q, want 200 []", w.Code, w.Body.String())
	}
}

func TestStatusOnlyFirstCallCounts(t *testing.T) {
	var seen, written int
	w := answer(t, "/t", func(c *Context) {
		c.Status(http.StatusTeapot)
		c.Status(http.StatusInternalServerError)
		seen, written = c.StatusCode, c.Writer.Status()
	})
	if w.Code != http.StatusTeapot || written != http.StatusTeapot {
		t.Fatalf("sent %d, writer says %d, want 418 for both", w.Code, written)
	}
	if seen != http.StatusInternalServerError {
		t.Fatalf("StatusCode = %d, want the last value set (500)", seen)
	}
}

func TestContextFieldsAndReuse(t *testing.T) {
	engine := New()
	var got []string
	engine.GET("/first", func(c *Context) {
		c.String(http.StatusTeapot, "first")
	})
	engine.POST("/second", func(c *Context) {
		// A pooled Context must not carry anything over from /first.
		got = append(got, c.Method, c.Path)
		if c.StatusCode != 0 || c.Writer.Written() || c.Writer.Size() != 0 {
			t.Errorf("reused context not reset: StatusCode=%d Written=%v Size=%d", c.StatusCode, c.Writer.Written(), c.Writer.Size())
		}
		c.String(200, "second")
	})
	for i := 0; i < 3; i++ {
		serve(engine, "GET", "/first", nil)
		if w := serve(engine, "POST", "/second", nil); w.Code != 200 || w.Body.String() != "second" {
			t.Fatalf("got %d %q", w.Code, w.Body.String())
		}
	}
	if strings.Join(got, " ") != "POST /second POST /second POST /second" {
		t.Fatalf("fields = %v", got)
	}
}

// reset must leave nothing of the request before, or a pooled Context would
// hand one request's parameters, route, chain position or values to the next.
func TestResetForgetsThePreviousRequest(t *testing.T) {
	c := &Context{}
	c.reset(httptest.NewRecorder(), httptest.NewRequest("GET", "/old", nil))
	c.params = append(c.params, routeParam{"id", "7"})
	c.fullPath = "/old/:id"
	c.handlers = append(c.handlers, func(*Context) {})
	c.Abort()
	c.Set("user", "ada")
	c.String(http.StatusTeapot, "old")

	c.reset(httptest.NewRecorder(), httptest.NewRequest("POST", "/new", nil))
	_, hasUser := c.Get("user")
	if c.Method != "POST" || c.Path != "/new" || c.StatusCode != 0 || c.Writer.Written() || c.Writer.Size() != 0 ||
		len(c.params) != 0 || c.fullPath != "" || len(c.handlers) != 0 || c.IsAborted() || c.index != -1 || hasUser {
		t.Fatalf("after reset: %s %s status=%d written=%v size=%d params=%v fullPath=%q handlers=%d aborted=%v index=%d user=%v",
			c.Method, c.Path, c.StatusCode, c.Writer.Written(), c.Writer.Size(), c.params, c.fullPath, len(c.handlers), c.IsAborted(), c.index, hasUser)
	}
}

// The same check through the pool: a value one request stored with Set is
// never seen by a later request that gets the same Context.
func TestSetValuesDoNotLeakThroughThePool(t *testing.T) {
	engine := New()
	served := map[*Context]int{}
	engine.GET("/set", func(c *Context) {
		served[c]++
		c.Set("user", "ada")
	})
	engine.GET("/get", func(c *Context) {
		served[c]++
		if v, ok := c.Get("user"); ok {
			t.Errorf("request without Set sees user=%v", v)
		}
	})
	for i := 0; i < 50; i++ {
		serve(engine, "GET", "/set", nil)
		serve(engine, "GET", "/get", nil)
	}
	if len(served) == 100 {
		t.Fatal("no Context was reused, so the test proved nothing")
	}
}
