package geecache

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// The pool logs every request; keep test output readable.
	log.SetOutput(io.Discard)
	os.Exit(m.Run())
}

// fetch sends GET to url and returns status, content type and body.
func fetch(t *testing.T, rawURL string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading %s: %v", rawURL, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

func TestHTTPPoolServesGroups(t *testing.T) {
	name := groupName(t)
	values := map[string]string{
		"Tom":            "630",
		"key with space": "spaced",
		"a/b/c":          "slashed",
		"a/../b":         "dotted",
		"100%":           "percent",
		"?x=1&y=#z":      "query-like",
		"日本":             "unicode",
	}
	NewGroup(name, 0, GetterFunc(func(_ context.Context, key string) ([]byte, error) {
		if v, ok := values[key]; ok {
			return []byte(v), nil
		}
		return nil, io.ErrUnexpectedEOF
	}))
	srv := httptest.NewServer(NewHTTPPool("http://example"))
	defer srv.Close()

	for key, want := range values {
		u := srv.URL + DefaultBasePath + url.PathEscape(name) + "/" + url.PathEscape(key)
		status, ctype, body := fetch(t, u)
		if status != http.StatusOK || body != want || ctype != "application/octet-stream" {
			t.Errorf("key %q: got %d %q %q; want 200 %q application/octet-stream", key, status, ctype, body, want)
		}
	}
}

func TestHTTPPoolErrors(t *testing.T) {
	name := groupName(t)
	NewGroup(name, 0, GetterFunc(func(_ context.Context, key string) ([]byte, error) {
		return nil, io.ErrUnexpectedEOF
	}))
	srv := httptest.NewServer(NewHTTPPool("http://example"))
	defer srv.Close()

	tests := []struct {
		path     string
		status   int
		contains string
	}{
		{DefaultBasePath + name + "/Tom", 500, "unexpected EOF"},
		{DefaultBasePath + "nosuchgroup/Tom", 404, "no such group"},
		{DefaultBasePath + name, 400, "bad request"},
		{DefaultBasePath + name + "/", 400, "bad request"},
		{DefaultBasePath + "/Tom", 400, "bad request"},
		{DefaultBasePath, 400, "bad request"},
		{"/other/" + name + "/Tom", 404, "404 page not found"},
		{"/", 404, "404 page not found"},
	}
	for _, tt := range tests {
		status, _, body := fetch(t, srv.URL+tt.path)
		if status != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("GET %s = %d %q; want %d containing %q", tt.path, status, body, tt.status, tt.contains)
		}
	}
}

func TestHTTPPoolRejectsOtherMethods(t *testing.T) {
	name := groupName(t)
	NewGroup(name, 0, GetterFunc(func(_ context.Context, key string) ([]byte, error) { return []byte("v"), nil }))
	srv := httptest.NewServer(NewHTTPPool("http://example"))
	defer srv.Close()
	resp, err := http.Post(srv.URL+DefaultBasePath+name+"/k", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST = %d Allow=%q; want 405 with Allow: GET, HEAD", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestSplitPathRejectsBadEscapes(t *testing.T) {
	for _, rest := range []string{"g%zz/k", "g/k%2"} {
		if _, _, err := splitPath(rest); err == nil {
			t.Errorf("splitPath(%q) succeeded; want an escaping error", rest)
		}
	}
	g, k, err := splitPath("my%20group/a%2Fb/c")
	if err != nil || g != "my group" || k != "a/b/c" {
		t.Fatalf("splitPath = %q, %q, %v; want \"my group\", \"a/b/c\"", g, k, err)
	}
}

func TestNormalizeURL(t *testing.T) {
	tests := map[string]string{
		"http://localhost:8001":   "http://127.0.0.1:8001",
		"HTTP://LocalHost:8001/":  "http://127.0.0.1:8001",
		"localhost:8001":          "http://127.0.0.1:8001",
		" http://127.0.0.1:8001 ": "http://127.0.0.1:8001",
		"http://example.com:80/":  "http://example.com",
		"https://example.com:443": "https://example.com",
		"http://[::1]:8001":       "http://[::1]:8001",
		"http://host:8001/cache/": "http://host:8001/cache",
		"":                        "",
	}
	for in, want := range tests {
		if got := normalizeURL(in); got != want {
			t.Errorf("normalizeURL(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestNewHTTPPoolKeepsOneSpellingOfItsAddress(t *testing.T) {
	if p := NewHTTPPool(" LocalHost:8001/ "); p.self != "http://127.0.0.1:8001" {
		t.Fatalf("self = %q; want http://127.0.0.1:8001", p.self)
	}
}

// within waits at most d for a value from c: a bound on something that
// must happen, not a sleep.
func within[T any](t *testing.T, c <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(d):
		t.Fatalf("%s took longer than %v", what, d)
		panic("unreachable")
	}
}

func TestHeadIsAnsweredWithoutALoad(t *testing.T) {
	name := groupName(t)
	getter := newCountingGetter()
	NewGroup(name, 2<<10, getter)
	srv := httptest.NewServer(NewHTTPPool("http://example"))
	defer srv.Close()
	for path, want := range map[string]int{
		DefaultBasePath + name + "/Tom":     http.StatusOK,
		DefaultBasePath + "nosuchgroup/Tom": http.StatusNotFound,
		DefaultBasePath + name:              http.StatusBadRequest,
	} {
		resp, err := http.Head(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("HEAD %s = %d; want %d", path, resp.StatusCode, want)
		}
	}
	if n := getter.count("Tom"); n != 0 {
		t.Fatalf("HEAD ran %d load(s); want none", n)
	}
}

func TestServedLoadSeesTheClientGiveUp(t *testing.T) {
	name := groupName(t)
	loading, loadErr := make(chan struct{}), make(chan error, 1)
	NewGroup(name, 2<<10, GetterFunc(func(ctx context.Context, key string) ([]byte, error) {
		close(loading)
		<-ctx.Done() // a slow load that stops when told
		loadErr <- ctx.Err()
		return nil, ctx.Err()
	}))
	srv := httptest.NewServer(NewHTTPPool("http://example"))
	defer srv.Close()
	reqCtx, giveUp := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(reqCtx, http.MethodGet, srv.URL+DefaultBasePath+name+"/Tom", nil)
	if err != nil {
		t.Fatal(err)
	}
	answered := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	within(t, loading, 5*time.Second, "the load to start")
	giveUp()
	if err := within(t, loadErr, 5*time.Second, "the load to see the client leave"); !errors.Is(err, context.Canceled) {
		t.Fatalf("the load ended with %v; want context.Canceled", err)
	}
	if err := within(t, answered, 5*time.Second, "the request to end"); !errors.Is(err, context.Canceled) {
		t.Fatalf("the client's request ended with %v; want context.Canceled", err)
	}
}
