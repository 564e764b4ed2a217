package main

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"gee-cache/day3-http-server/geecache"
)

func TestDemoServesScores(t *testing.T) {
	name := groupName(t)
	prev := log.Writer()
	log.SetOutput(io.Discard) // slowDB logs each load
	defer log.SetOutput(prev)
	geecache.NewGroup(name, 0, geecache.GetterFunc(slowDB))
	srv := httptest.NewServer(geecache.NewHTTPPool("http://example"))
	defer srv.Close()
	for key, want := range map[string]struct {
		status int
		body   string
	}{"Tom": {200, "630"}, "kkk": {500, "kkk not exist\n"}} {
		resp, err := http.Get(srv.URL + geecache.DefaultBasePath + name + "/" + key)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want.status || string(body) != want.body {
			t.Errorf("%s: %d %q; want %d %q", key, resp.StatusCode, body, want.status, want.body)
		}
	}
}

var groupSeq atomic.Int64

// groupName returns a group name no other test run has registered, so the
// tests also pass with -count > 1 (group names are process-wide).
func groupName(t *testing.T) string {
	return fmt.Sprintf("%s-%d", t.Name(), groupSeq.Add(1))
}
