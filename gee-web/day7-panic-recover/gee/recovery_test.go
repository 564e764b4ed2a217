package gee

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func panickingEngine(out io.Writer) *Engine {
	engine := New()
	engine.Use(RecoveryWithWriter(out))
	engine.GET("/panic", func(c *Context) {
		names := []string{"geektutu"}
		c.String(http.StatusOK, "%s", names[100]) // index out of range
	})
	engine.GET("/ok", func(c *Context) { c.String(http.StatusOK, "still here") })
	return engine
}

func TestRecoveryTurnsPanicInto500(t *testing.T) {
	var log bytes.Buffer
	engine := panickingEngine(&log)
	w := serve(engine, "GET", "/panic", nil)
	if w.Code != 500 || w.Body.String() != `{"message":"Internal Server Error"}`+"\n" {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
	out := log.String()
	if !strings.Contains(out, "panic recovered: GET /panic: runtime error: index out of range [100] with length 1") {
		t.Fatalf("log lacks the panic value:\n%s", out)
	}
	if !strings.Contains(out, "Traceback:") || !strings.Contains(out, "recovery_test.go:") {
		t.Fatalf("log lacks a trace through the handler:\n%s", out)
	}
}

func TestRecoveryTraceIsTrimmed(t *testing.T) {
	var log bytes.Buffer
	srv := httptest.NewServer(panickingEngine(&log))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/panic")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	out := log.String()
	lines := strings.Split(out, "\n")
	// The first frame is the function that panicked...
	if len(lines) < 3 || !strings.Contains(lines[2], "gee.panickingEngine.func") {
		t.Fatalf("trace does not start at the panicking handler:\n%s", out)
	}
	// ...and neither the runtime's panic code nor net/http's loop is there.
	for _, noise := range []string{"runtime/panic.go", "runtime.gopanic", "net/http.(*conn).serve", "gee.stackTrace", "runtime.Callers"} {
		if strings.Contains(out, noise) {
			t.Errorf("trace contains %q:\n%s", noise, out)
		}
	}
	if !strings.Contains(out, "gee.(*Engine).ServeHTTP") {
		t.Errorf("trace does not reach the engine:\n%s", out)
	}
}

func TestServerKeepsServingAfterPanic(t *testing.T) {
	srv := httptest.NewServer(panickingEngine(io.Discard))
	defer srv.Close()
	for i := 0; i < 3; i++ {
		for _, tt := range []struct {
			path string
			code int
			body string
		}{{"/panic", 500, `{"message":"Internal Server Error"}` + "\n"}, {"/ok", 200, "still here"}} {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatalf("GET %s: %v", tt.path, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.code || string(body) != tt.body {
				t.Fatalf("GET %s = %d %q, want %d %q", tt.path, resp.StatusCode, body, tt.code, tt.body)
			}
		}
	}
}

func TestRecoveryCoversLaterMiddleware(t *testing.T) {
	engine := New()
	engine.Use(RecoveryWithWriter(io.Discard))
	api := engine.Group("/api")
	api.Use(func(c *Context) { panic(errors.New("middleware bug")) })
	api.GET("/x", func(c *Context) { c.String(200, "unreachable") })
	if w := serve(engine, "GET", "/api/x", nil); w.Code != 500 || strings.Contains(w.Body.String(), "unreachable") {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
}

// Headers the handler set for the answer it never sent must not decorate the
// 500: with its "Content-Encoding: gzip" the client could not read the error.
func TestRecovery500DropsTheHeadersOfTheAbandonedAnswer(t *testing.T) {
	engine := New()
	engine.Use(RecoveryWithWriter(io.Discard))
	engine.Use(func(c *Context) {
		c.SetHeader("X-Request-Id", "42")
		c.Next()
	})
	engine.GET("/report", func(c *Context) {
		c.SetHeader("Content-Encoding", "gzip")
		c.SetHeader("Content-Length", "1000")
		c.SetHeader("Content-Disposition", "attachment; filename=report.csv")
		c.SetHeader("ETag", `"v1"`)
		panic("report generator failed")
	})
	srv := httptest.NewServer(engine)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/report")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 500 || string(body) != `{"message":"Internal Server Error"}`+"\n" {
		t.Fatalf("got %d %q (read error %v), want a readable 500", resp.StatusCode, body, err)
	}
	for _, key := range []string{"Content-Encoding", "Content-Disposition", "Etag"} {
		if v := resp.Header.Get(key); v != "" {
			t.Errorf("500 carries %s: %q from the abandoned answer", key, v)
		}
	}
	if resp.Header.Get("X-Request-Id") != "42" {
		t.Errorf("the middleware's X-Request-Id was dropped")
	}
}

// The well-known version answered every panic with c.Fail(500, ...), even
// when the handler had already written: the client got the 200 it started
// with and "Internal Server Error" glued to the end of the body.
func TestRecoveryDoesNotAppendToAStartedResponse(t *testing.T) {
	var log bytes.Buffer
	engine := New()
	engine.Use(RecoveryWithWriter(&log))
	engine.GET("/half", func(c *Context) {
		c.String(http.StatusOK, "partial body")
		panic("after writing")
	})

	w := httptest.NewRecorder()
	aborted := panicMessage(func() { engine.ServeHTTP(w, httptest.NewRequest("GET", "/half", nil)) })
	if aborted != http.ErrAbortHandler.Error() {
		t.Fatalf("ServeHTTP ended with %q, want http.ErrAbortHandler", aborted)
	}
	if w.Code != 200 || w.Body.String() != "partial body" {
		t.Fatalf("response became %d %q; nothing may be added to a started response", w.Code, w.Body.String())
	}
	if !strings.Contains(log.String(), "panic recovered: GET /half: after writing") {
		t.Fatalf("panic not logged:\n%s", log.String())
	}

	// Over a real connection the client sees a broken response, not a
	// complete-looking one, and the server keeps serving.
	engine.GET("/ok", func(c *Context) { c.String(200, "ok") })
	srv := httptest.NewServer(engine)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/half")
	if err == nil {
		body, readErr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if readErr == nil || strings.Contains(string(body), "Internal Server Error") {
			t.Fatalf("client read %d %q without error", resp.StatusCode, body)
		}
	}
	resp, err = http.Get(srv.URL + "/ok")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET /ok after abort = %d", resp.StatusCode)
	}
}

func TestRecoveryLetsErrAbortHandlerThrough(t *testing.T) {
	var log bytes.Buffer
	engine := New()
	engine.Use(RecoveryWithWriter(&log))
	engine.GET("/abort", func(c *Context) { panic(http.ErrAbortHandler) })
	w := httptest.NewRecorder()
	if msg := panicMessage(func() { engine.ServeHTTP(w, httptest.NewRequest("GET", "/abort", nil)) }); msg != http.ErrAbortHandler.Error() {
		t.Fatalf("ServeHTTP ended with %q", msg)
	}
	if log.Len() != 0 || w.Body.Len() != 0 {
		t.Fatalf("deliberate abort was logged (%q) or answered (%q)", log.String(), w.Body.String())
	}
}

func TestDefaultLogsAndRecovers(t *testing.T) {
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = pw // Default binds its middleware to the current os.Stderr
	engine := Default()
	os.Stderr = stderr

	engine.GET("/panic", func(c *Context) { panic("oops") })
	engine.GET("/ok", func(c *Context) { c.String(200, "fine") })
	w1 := serve(engine, "GET", "/panic", nil)
	w2 := serve(engine, "GET", "/ok", nil)
	pw.Close()
	logged, _ := io.ReadAll(r)

	if w1.Code != 500 || w2.Code != 200 || w2.Body.String() != "fine" {
		t.Fatalf("answers %d, %d %q", w1.Code, w2.Code, w2.Body.String())
	}
	out := string(logged)
	for _, want := range []string{"panic recovered: GET /panic: oops", "500 | GET     /panic", "200 | GET     /ok"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
}

// The well-known version's Recovery logged the panic value and a trace but
// not the request, so a log with many requests did not say which one failed.
func TestRecoveryLineNamesMethodAndPath(t *testing.T) {
	var log bytes.Buffer
	engine := New()
	engine.Use(RecoveryWithWriter(&log))
	engine.POST("/orders/:id", func(c *Context) { panic("no stock") })
	serve(engine, "POST", "/orders/7%0Aforged", nil)
	if want := `panic recovered: POST "/orders/7\nforged": no stock`; !strings.Contains(log.String(), want) {
		t.Fatalf("logged %q, want it to contain %q", log.String(), want)
	}
}

// With Default's order (Logger, then Recovery) a panic after the answer has
// started cannot become a 500: Recovery aborts the response, and the Logger
// still writes a line for it.
func TestLoggerLogsAResponseRecoveryHadToAbort(t *testing.T) {
	var log bytes.Buffer
	engine := New()
	engine.Use(LoggerWithWriter(&log), RecoveryWithWriter(&log))
	engine.GET("/half", func(c *Context) {
		c.String(http.StatusOK, "partial body")
		panic("after writing")
	})
	aborted := panicMessage(func() { serve(engine, "GET", "/half", nil) })
	if aborted != http.ErrAbortHandler.Error() {
		t.Fatalf("ServeHTTP ended with %q, want http.ErrAbortHandler", aborted)
	}
	if !strings.Contains(log.String(), "panic | GET     /half | ") {
		t.Fatalf("logged %q, want a Logger line for the aborted request", log.String())
	}
}
