package gee

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
)

// trace returns a middleware that records "name>" before and "name<" after
// the rest of the chain.
func trace(steps *[]string, name string) HandlerFunc {
	return func(c *Context) {
		*steps = append(*steps, name+">")
		c.Next()
		*steps = append(*steps, name+"<")
	}
}

func TestMiddlewareRunsAsAnOnion(t *testing.T) {
	var steps []string
	engine := New()
	engine.Use(trace(&steps, "engine"))
	v1 := engine.Group("/v1")
	v1.Use(trace(&steps, "v1a"), trace(&steps, "v1b"))
	admin := v1.Group("/admin")
	admin.Use(trace(&steps, "admin"))
	admin.GET("/users", func(c *Context) {
		steps = append(steps, "handler")
		c.String(200, "users")
	})
	v1.GET("/hello", func(c *Context) {
		steps = append(steps, "handler")
		c.String(200, "hello")
	})

	tests := []struct{ path, want string }{
		{"/v1/admin/users", "engine> v1a> v1b> admin> handler admin< v1b< v1a< engine<"},
		{"/v1/hello", "engine> v1a> v1b> handler v1b< v1a< engine<"},
	}
	for _, tt := range tests {
		steps = nil
		if w := serve(engine, "GET", tt.path, nil); w.Code != 200 {
			t.Fatalf("GET %s = %d", tt.path, w.Code)
		}
		if got := strings.Join(steps, " "); got != tt.want {
			t.Errorf("GET %s ran\n%s\nwant\n%s", tt.path, got, tt.want)
		}
	}
}

func TestMiddlewareWithoutNextStillLetsTheChainRun(t *testing.T) {
	var steps []string
	engine := New()
	engine.Use(func(c *Context) { steps = append(steps, "plain") })
	engine.Use(trace(&steps, "traced"))
	engine.GET("/", func(c *Context) { steps = append(steps, "handler") })
	serve(engine, "GET", "/", nil)
	if got := strings.Join(steps, " "); got != "plain traced> handler traced<" {
		t.Fatalf("ran %q", got)
	}
}

func TestFailStopsTheHandlersAfterIt(t *testing.T) {
	var steps []string
	engine := New()
	engine.Use(trace(&steps, "outer"))
	admin := engine.Group("/admin")
	admin.Use(func(c *Context) {
		if c.Query("token") != "secret" {
			c.Fail(http.StatusUnauthorized, "unauthorized")
			return
		}
		c.Next()
	})
	admin.Use(trace(&steps, "after-auth"))
	admin.GET("/panel", func(c *Context) {
		steps = append(steps, "handler")
		c.String(200, "panel")
	})

	w := serve(engine, "GET", "/admin/panel", nil)
	if w.Code != 401 || w.Body.String() != `{"message":"unauthorized"}`+"\n" {
		t.Fatalf("without token: %d %q", w.Code, w.Body.String())
	}
	if got := strings.Join(steps, " "); got != "outer> outer<" {
		t.Fatalf("without token ran %q, want only the outer middleware", got)
	}

	steps = nil
	w = serve(engine, "GET", "/admin/panel?token=secret", nil)
	if w.Code != 200 || w.Body.String() != "panel" {
		t.Fatalf("with token: %d %q", w.Code, w.Body.String())
	}
	if got := strings.Join(steps, " "); got != "outer> after-auth> handler after-auth< outer<" {
		t.Fatalf("with token ran %q", got)
	}
}

// The well-known version chose group middleware with strings.HasPrefix on
// the request path, so the middleware of a "/v2" group also ran for
// "/v2abc".
func TestGroupMiddlewareMatchesWholeSegments(t *testing.T) {
	var steps []string
	engine := New()
	v2 := engine.Group("/v2")
	v2.Use(trace(&steps, "v2"))
	v2.GET("/hello", func(c *Context) { c.String(200, "v2 hello") })
	engine.GET("/v2abc", func(c *Context) { c.String(200, "v2abc") })

	tests := []struct {
		path    string
		wantMW  bool
		wantOut string
	}{
		{"/v2abc", false, "v2abc"},
		{"/v2/hello", true, "v2 hello"},
		{"/v2", true, "404 NOT FOUND: /v2\n"},
		{"/v2/", true, "404 NOT FOUND: /v2/\n"},
	}
	for _, tt := range tests {
		steps = nil
		w := serve(engine, "GET", tt.path, nil)
		if w.Body.String() != tt.wantOut {
			t.Errorf("GET %s body %q, want %q", tt.path, w.Body.String(), tt.wantOut)
		}
		if ran := len(steps) > 0; ran != tt.wantMW {
			t.Errorf("GET %s: v2 middleware ran=%v, want %v", tt.path, ran, tt.wantMW)
		}
	}
}

// The router ignores empty segments, so the group check must too, or
// "//admin/x" would reach an /admin route without the /admin middleware.
func TestGroupMiddlewareCannotBeBypassedWithEmptySegments(t *testing.T) {
	engine := New()
	admin := engine.Group("/admin")
	admin.Use(func(c *Context) { c.Fail(http.StatusForbidden, "forbidden") })
	admin.GET("/secret", func(c *Context) { c.String(200, "the secret") })
	for _, path := range []string{"/admin/secret", "//admin/secret", "/admin//secret", "//admin//secret/"} {
		if w := serve(engine, "GET", path, nil); w.Code != 403 || strings.Contains(w.Body.String(), "secret") {
			t.Errorf("GET %s = %d %q, want 403", path, w.Code, w.Body.String())
		}
	}
}

func TestGroupMiddlewareWithParamPrefix(t *testing.T) {
	var steps []string
	engine := New()
	user := engine.Group("/users/:id")
	user.Use(trace(&steps, "user"))
	user.GET("/posts", func(c *Context) { c.String(200, "posts of %s", c.Param("id")) })
	engine.GET("/users", func(c *Context) { c.String(200, "all users") })

	if w := serve(engine, "GET", "/users/7/posts", nil); w.Body.String() != "posts of 7" || len(steps) != 2 {
		t.Fatalf("GET /users/7/posts = %q, middleware steps %v", w.Body.String(), steps)
	}
	steps = nil
	if w := serve(engine, "GET", "/users", nil); w.Body.String() != "all users" || len(steps) != 0 {
		t.Fatalf("GET /users = %q, middleware steps %v", w.Body.String(), steps)
	}
}

func TestUnknownRoutesPassThroughEngineMiddleware(t *testing.T) {
	var steps []string
	engine := New()
	engine.Use(trace(&steps, "engine"))
	engine.POST("/only-post", func(c *Context) {})
	for _, tt := range []struct {
		method, path string
		code         int
	}{{"GET", "/missing", 404}, {"GET", "/only-post", 405}} {
		steps = nil
		w := serve(engine, tt.method, tt.path, nil)
		if w.Code != tt.code || strings.Join(steps, " ") != "engine> engine<" {
			t.Errorf("%s %s = %d, middleware ran %v; want %d and the engine middleware", tt.method, tt.path, w.Code, steps, tt.code)
		}
	}
}

func TestUseAfterRoutesStillApplies(t *testing.T) {
	var steps []string
	engine := New()
	engine.GET("/", func(c *Context) { c.String(200, "ok") })
	engine.Use(trace(&steps, "late"))
	serve(engine, "GET", "/", nil)
	if strings.Join(steps, " ") != "late> late<" {
		t.Fatalf("late middleware ran %v", steps)
	}
}

func TestLoggerLogsStatusMethodPathAndDuration(t *testing.T) {
	var out bytes.Buffer
	engine := New()
	engine.Use(LoggerWithWriter(&out))
	engine.GET("/hello/:name", func(c *Context) { c.String(http.StatusCreated, "hi") })
	engine.GET("/quiet", func(c *Context) {}) // writes nothing: net/http sends 200

	serve(engine, "GET", "/hello/ada?x=1", nil)
	serve(engine, "GET", "/missing", nil)
	serve(engine, "DELETE", "/hello/ada", nil)
	serve(engine, "GET", "/quiet", nil)

	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{"201 | GET     /hello/ada | ", "404 | GET     /missing | ", "405 | DELETE  /hello/ada | ", "200 | GET     /quiet | "}
	if len(lines) != len(want) {
		t.Fatalf("logged %d lines, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, line := range lines {
		if !strings.HasPrefix(line, "[gee] ") || !strings.Contains(line, want[i]) || !strings.HasSuffix(line, "s") {
			t.Errorf("line %d = %q, want it to contain %q and end with a duration", i, line, want[i])
		}
	}
}

// The well-known version logged c.StatusCode, which only c.Status sets, so
// any answer written straight to the http.ResponseWriter (http.Error,
// http.FileServer, http.ServeContent) was logged with status 0.
func TestLoggerLogsTheStatusOfAnswersWrittenStraightToTheWriter(t *testing.T) {
	var out bytes.Buffer
	engine := New()
	engine.Use(LoggerWithWriter(&out))
	engine.GET("/error", func(c *Context) { http.Error(c.Writer, "teapot", http.StatusTeapot) })
	engine.GET("/redirect", func(c *Context) { http.Redirect(c.Writer, c.Req, "/", http.StatusFound) })
	engine.GET("/raw", func(c *Context) { c.Writer.Write([]byte("no status set")) })

	for _, tt := range []struct{ path, want string }{
		{"/error", "418 | GET     /error | "},
		{"/redirect", "302 | GET     /redirect | "},
		{"/raw", "200 | GET     /raw | "},
	} {
		out.Reset()
		w := serve(engine, "GET", tt.path, nil)
		if !strings.Contains(out.String(), tt.want) || !strings.Contains(out.String(), strconv.Itoa(w.Code)+" | ") {
			t.Errorf("GET %s answered %d and logged %q, want %q", tt.path, w.Code, out.String(), tt.want)
		}
	}
}

// The path is percent-decoded, so a client can put a newline in it; logged
// as it is, that would let the client write lines of its own into the log.
func TestLoggerCannotBeFedForgedLines(t *testing.T) {
	var out bytes.Buffer
	engine := New()
	engine.Use(LoggerWithWriter(&out))
	serve(engine, "GET", "/x%0A[gee]%202026/01/01%2000:00:00%20200%20|%20GET%20/admin%0D", nil)
	if lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"); len(lines) != 1 {
		t.Fatalf("one request logged %d lines:\n%s", len(lines), out.String())
	}
	if want := `404 | GET     "/x\n[gee] 2026/01/01 00:00:00 200 | GET /admin\r" | `; !strings.Contains(out.String(), want) {
		t.Fatalf("logged %q, want it to contain %q", out.String(), want)
	}
}

// In the well-known version the 404/405 answer was written after the
// middleware, into whatever the middleware had started: a middleware that
// answered 418 sent "418" with a "405 METHOD NOT ALLOWED" body appended, and
// the Allow header, set after the status had gone out, was lost.
func TestNoRouteAnswerLeavesAStartedResponseAlone(t *testing.T) {
	engine := New()
	engine.Use(func(c *Context) {
		if c.Query("teapot") != "" {
			c.String(http.StatusTeapot, "short and stout\n")
		}
	})
	engine.POST("/only-post", func(c *Context) { c.String(200, "posted") })

	for _, tt := range []struct{ path, allow string }{
		{"/only-post?teapot=1", "POST"},
		{"/missing?teapot=1", ""},
	} {
		w := serve(engine, "GET", tt.path, nil)
		if w.Code != http.StatusTeapot || w.Body.String() != "short and stout\n" {
			t.Errorf("GET %s = %d %q, want the middleware's 418 untouched", tt.path, w.Code, w.Body.String())
		}
		// As in gin, Allow is set before the chain runs, so it goes out with
		// whatever answer the middleware sends.
		if got := w.Header().Get("Allow"); got != tt.allow {
			t.Errorf("GET %s: Allow = %q, want %q", tt.path, got, tt.allow)
		}
	}
	// Without the middleware's answer the fallback still answers.
	if w := serve(engine, "GET", "/only-post", nil); w.Code != 405 || w.Header().Get("Allow") != "POST" ||
		w.Body.String() != "405 METHOD NOT ALLOWED: GET /only-post\n" {
		t.Errorf("GET /only-post = %d Allow=%q %q", w.Code, w.Header().Get("Allow"), w.Body.String())
	}
}

func TestAbortStopsTheHandlersAfterItButFinishesTheCurrentOne(t *testing.T) {
	var steps []string
	var aborted []bool
	engine := New()
	engine.Use(func(c *Context) {
		steps = append(steps, "outer>")
		c.Next()
		aborted = append(aborted, c.IsAborted())
		steps = append(steps, "outer<")
	})
	engine.Use(func(c *Context) {
		if c.Query("stop") != "" {
			c.Abort()
			steps = append(steps, "abort")
			c.Next() // runs nothing once aborted
			return
		}
		c.Next()
	})
	engine.Use(trace(&steps, "later"))
	engine.GET("/", func(c *Context) {
		steps = append(steps, "handler")
		c.String(200, "handled")
	})

	w := serve(engine, "GET", "/?stop=1", nil)
	if got := strings.Join(steps, " "); got != "outer> abort outer<" {
		t.Fatalf("aborted chain ran %q", got)
	}
	// Abort writes nothing: net/http sends 200 with no body.
	if w.Code != 200 || w.Body.Len() != 0 {
		t.Fatalf("aborted chain answered %d %q", w.Code, w.Body.String())
	}
	steps = nil
	serve(engine, "GET", "/", nil)
	if got := strings.Join(steps, " "); got != "outer> later> handler later< outer<" {
		t.Fatalf("full chain ran %q", got)
	}
	if len(aborted) != 2 || !aborted[0] || aborted[1] {
		t.Fatalf("IsAborted after the chain = %v, want [true false]", aborted)
	}
}

func TestAbortWithStatusAnswersWithoutABody(t *testing.T) {
	handled := false
	engine := New()
	engine.Use(func(c *Context) {
		if c.Req.Header.Get("Authorization") == "" {
			c.AbortWithStatus(http.StatusUnauthorized)
		}
	})
	engine.GET("/private", func(c *Context) {
		handled = true
		c.String(200, "secret")
	})
	w := serve(engine, "GET", "/private", nil)
	if w.Code != 401 || w.Body.Len() != 0 || handled {
		t.Fatalf("GET /private = %d %q, handler ran=%v; want 401, no body, no handler", w.Code, w.Body.String(), handled)
	}
}

// Before Abort a middleware had no way to stop the chain without writing a
// JSON body (Fail): a redirect to a login page was followed by the handler,
// which appended the page to the redirect.
func TestRedirectingMiddlewareStopsTheHandlerWithAbort(t *testing.T) {
	engine := New()
	engine.Use(func(c *Context) {
		if _, err := c.Req.Cookie("session"); err != nil {
			http.Redirect(c.Writer, c.Req, "/login", http.StatusFound)
			c.Abort()
		}
	})
	engine.GET("/account", func(c *Context) { c.String(200, "your account") })
	w := serve(engine, "GET", "/account", nil)
	if w.Code != http.StatusFound || w.Header().Get("Location") != "/login" || strings.Contains(w.Body.String(), "your account") {
		t.Fatalf("GET /account = %d Location=%q %q, want a bare redirect to /login", w.Code, w.Header().Get("Location"), w.Body.String())
	}
}

func TestSetAndGetPassValuesAlongTheChain(t *testing.T) {
	engine := New()
	engine.Use(func(c *Context) {
		if token := c.Query("token"); token != "" {
			c.Set("user", "user-"+token)
			c.Set("level", 3)
		}
	})
	engine.GET("/me", func(c *Context) {
		user, ok := c.Get("user")
		level, _ := c.Get("level")
		missing, found := c.Get("missing")
		c.String(200, "%v %v %v | %v %v", user, ok, level, missing, found)
	})
	if got := serve(engine, "GET", "/me?token=ada", nil).Body.String(); got != "user-ada true 3 | <nil> false" {
		t.Fatalf("with token: %q", got)
	}
	// Values belong to one request: the next one starts without them.
	if got := serve(engine, "GET", "/me", nil).Body.String(); got != "<nil> false <nil> | <nil> false" {
		t.Fatalf("next request sees %q", got)
	}
}

func TestMiddlewareSeesFullPath(t *testing.T) {
	var seen []string
	engine := New()
	engine.Use(func(c *Context) { seen = append(seen, c.FullPath()) })
	engine.GET("/users/:id", func(c *Context) {})
	serve(engine, "GET", "/users/7", nil)
	serve(engine, "GET", "/nowhere", nil)
	if len(seen) != 2 || seen[0] != "/users/:id" || seen[1] != "" {
		t.Fatalf("FullPath in middleware = %q, want [/users/:id \"\"]", seen)
	}
}

// The well-known version logged after c.Next() returned, so a request whose
// handler panicked left no line at all.
func TestLoggerLogsARequestThatPanics(t *testing.T) {
	var out bytes.Buffer
	engine := New()
	engine.Use(LoggerWithWriter(&out))
	engine.GET("/boom", func(c *Context) { panic("boom") })
	msg := panicMessage(func() { serve(engine, "GET", "/boom", nil) })
	if msg != "boom" {
		t.Fatalf("the panic did not go on past the Logger: %q", msg)
	}
	if !strings.Contains(out.String(), "panic | GET     /boom | ") {
		t.Fatalf("logged %q, want a line for the panicking request", out.String())
	}
}

func TestLoggerWritesToStandardError(t *testing.T) {
	r, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = pw // Logger binds to the os.Stderr of the moment it is called
	logger := Logger()
	os.Stderr = stderr

	engine := New()
	engine.Use(logger)
	engine.GET("/ping", func(c *Context) { c.String(http.StatusAccepted, "pong") })
	serve(engine, "GET", "/ping", nil)
	pw.Close()
	logged, _ := io.ReadAll(r)
	if !strings.HasPrefix(string(logged), "[gee] ") || !strings.Contains(string(logged), "202 | GET     /ping | ") {
		t.Fatalf("standard error got %q", logged)
	}
}
