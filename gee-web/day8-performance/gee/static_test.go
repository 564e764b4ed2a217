package gee

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const secret = "TOP SECRET: outside the static root"

// staticEngine serves dir/public at /assets; dir/secret.txt lies outside it.
func staticEngine(t *testing.T) (*Engine, string) {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"public/hello.txt":    "hello, static",
		"public/css/site.css": "body { color: teal; }",
		"secret.txt":          secret,
		"public/sub/.keep":    "",
	})
	engine := New()
	engine.Static("/assets", filepath.Join(dir, "public"))
	return engine, dir
}

func TestStaticServesFiles(t *testing.T) {
	engine, _ := staticEngine(t)
	tests := []struct {
		path     string
		wantCode int
		wantBody string
	}{
		{"/assets/hello.txt", 200, "hello, static"},
		{"/assets/css/site.css", 200, "body { color: teal; }"},
		{"/assets/missing.txt", 404, "404 NOT FOUND: /assets/missing.txt\n"},
		{"/assets/sub", 404, "404 NOT FOUND: /assets/sub\n"}, // no directory listings
		{"/assets/css/", 404, "404 NOT FOUND: /assets/css/\n"},
	}
	for _, tt := range tests {
		w := serve(engine, "GET", tt.path, nil)
		if w.Code != tt.wantCode || w.Body.String() != tt.wantBody {
			t.Errorf("GET %s = %d %q, want %d %q", tt.path, w.Code, w.Body.String(), tt.wantCode, tt.wantBody)
		}
	}
	w := serve(engine, "GET", "/assets/css/site.css", nil)
	if ct := w.Header().Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/css", ct)
	}
}

func TestStaticAnswersHEAD(t *testing.T) {
	engine, _ := staticEngine(t)
	w := serve(engine, "HEAD", "/assets/hello.txt", nil)
	if w.Code != 200 || w.Header().Get("Content-Length") != "13" || w.Body.Len() != 0 {
		t.Fatalf("HEAD /assets/hello.txt = %d Content-Length=%q body %q, want 200, 13 and no body",
			w.Code, w.Header().Get("Content-Length"), w.Body.String())
	}
	if w := serve(engine, "HEAD", "/assets/missing.txt", nil); w.Code != 404 {
		t.Fatalf("HEAD /assets/missing.txt = %d, want 404", w.Code)
	}
	if w := serve(engine, "POST", "/assets/hello.txt", nil); w.Code != 405 || w.Header().Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST /assets/hello.txt = %d Allow=%q, want 405 Allow=\"GET, HEAD\"", w.Code, w.Header().Get("Allow"))
	}
}

func TestStaticInGroup(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.txt": "in group"})
	engine := New()
	engine.Group("/v1").Static("/files", dir)
	if w := serve(engine, "GET", "/v1/files/a.txt", nil); w.Code != 200 || w.Body.String() != "in group" {
		t.Fatalf("got %d %q", w.Code, w.Body.String())
	}
}

func TestStaticNeverLeavesItsRoot(t *testing.T) {
	engine, _ := staticEngine(t)
	srv := httptest.NewServer(engine)
	defer srv.Close()
	attempts := []string{
		"/assets/../secret.txt",
		"/assets/../../secret.txt",
		"/assets/css/../../secret.txt",
		"/assets/..%2fsecret.txt",
		"/assets/%2e%2e/secret.txt",
		"/assets/%2e%2e%2fsecret.txt",
		"/assets/%2E%2E%2Fsecret.txt",
		"/assets/..%5csecret.txt",
		"/assets/..\\secret.txt",
		"/assets/%252e%252e/secret.txt",
		"/assets/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
		"/assets/../../../../../../etc/passwd",
		"/assets//../secret.txt",
		"/assets/%00../secret.txt",
	}
	for _, target := range attempts {
		// Through the handler directly, with the path exactly as written...
		w := serve(engine, "GET", target, nil)
		if w.Code == 200 || strings.Contains(w.Body.String(), "SECRET") || strings.Contains(w.Body.String(), "root:") {
			t.Errorf("handler: GET %s = %d %q", target, w.Code, w.Body.String())
		}
		// ...and over a real connection (the Go client does not clean paths).
		req, err := http.NewRequest("GET", srv.URL+target, nil)
		if err != nil {
			continue // not even a valid URL
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 || bytes.Contains(body, []byte("SECRET")) || bytes.Contains(body, []byte("root:")) {
			t.Errorf("server: GET %s = %d %q", target, resp.StatusCode, body)
		}
	}
}

func TestStaticRejectsDotDotWith400(t *testing.T) {
	engine, _ := staticEngine(t)
	for _, target := range []string{"/assets/../secret.txt", "/assets/%2e%2e%2fsecret.txt", "/assets/..%5csecret.txt"} {
		if w := serve(engine, "GET", target, nil); w.Code != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400", target, w.Code)
		}
	}
	// A name that merely contains dots is fine.
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a..b.txt": "dots"})
	engine = New()
	engine.Static("/s", dir)
	if w := serve(engine, "GET", "/s/a..b.txt", nil); w.Code != 200 || w.Body.String() != "dots" {
		t.Errorf("GET /s/a..b.txt = %d %q", w.Code, w.Body.String())
	}
}

// countingFS counts files opened and closed through it.
type countingFS struct {
	fs             http.FileSystem
	opened, closed atomic.Int64
}

type countingFile struct {
	http.File
	fs *countingFS
}

func (c *countingFS) Open(name string) (http.File, error) {
	f, err := c.fs.Open(name)
	if err != nil {
		return nil, err
	}
	c.opened.Add(1)
	return countingFile{f, c}, nil
}

func (f countingFile) Close() error {
	f.fs.closed.Add(1)
	return f.File.Close()
}

// The well-known version opened the file to check that it existed and
// never closed it: one leaked descriptor per request until the process ran
// out.
func TestStaticClosesEveryFileItOpens(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.txt": "a", "sub/b.txt": "b"})
	fs := &countingFS{fs: http.Dir(dir)}
	engine := New()
	engine.GET("/s/*filepath", engine.createStaticHandler(fs))
	paths := []string{"/s/a.txt", "/s/sub/b.txt", "/s/sub", "/s/missing", "/s/../a.txt"}
	for i := 0; i < 20; i++ {
		for _, p := range paths {
			serve(engine, "GET", p, nil)
		}
		req := httptest.NewRequest("GET", "/s/a.txt", nil)
		req.Header.Set("Range", "bytes=0-0")
		engine.ServeHTTP(httptest.NewRecorder(), req)
	}
	if fs.opened.Load() == 0 || fs.opened.Load() != fs.closed.Load() {
		t.Fatalf("opened %d files, closed %d", fs.opened.Load(), fs.closed.Load())
	}
}

// The well-known version logged status 0 for everything the file server
// wrote, because it wrote straight to the http.ResponseWriter and the Context
// never learnt the status.
func TestLoggerLogsTheStatusTheFileServerSent(t *testing.T) {
	engine, _ := staticEngine(t)
	var out bytes.Buffer
	engine.Use(LoggerWithWriter(&out))

	requests := []struct {
		header, value string
		path          string
		wantStatus    string
	}{
		{"", "", "/assets/hello.txt", "200 | GET     /assets/hello.txt"},
		{"Range", "bytes=0-4", "/assets/hello.txt", "206 | GET     /assets/hello.txt"},
		{"If-Modified-Since", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), "/assets/hello.txt", "304 | GET     /assets/hello.txt"},
		{"Range", "bytes=100-200", "/assets/hello.txt", "416 | GET     /assets/hello.txt"},
		{"", "", "/assets/nope.txt", "404 | GET     /assets/nope.txt"},
	}
	for _, r := range requests {
		req := httptest.NewRequest("GET", r.path, nil)
		if r.header != "" {
			req.Header.Set(r.header, r.value)
		}
		engine.ServeHTTP(httptest.NewRecorder(), req)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != len(requests) {
		t.Fatalf("logged %d lines:\n%s", len(lines), out.String())
	}
	for i, r := range requests {
		if !strings.Contains(lines[i], r.wantStatus) {
			t.Errorf("line %q, want %q", lines[i], r.wantStatus)
		}
	}
}
