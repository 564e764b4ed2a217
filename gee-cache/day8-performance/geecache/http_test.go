package geecache

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	pb "gee-cache/day8-performance/geecache/geecachepb"
	"google.golang.org/protobuf/proto"
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
	NewGroup(name, 0, GetterFunc(func(key string) ([]byte, error) {
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
		var res pb.Response
		if err := proto.Unmarshal([]byte(body), &res); err != nil {
			t.Fatalf("key %q: body is not a Response: %v", key, err)
		}
		if status != http.StatusOK || string(res.Value) != want || ctype != "application/x-protobuf" {
			t.Errorf("key %q: got %d %q %q; want 200 %q application/x-protobuf", key, status, ctype, res.Value, want)
		}
	}
}

func TestHTTPPoolErrors(t *testing.T) {
	name := groupName(t)
	NewGroup(name, 0, GetterFunc(func(key string) ([]byte, error) {
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
	NewGroup(name, 0, GetterFunc(func(key string) ([]byte, error) { return []byte("v"), nil }))
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
