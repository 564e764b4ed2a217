package main

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"

	"gee-cache/day3-http-server/geecache"
)

func TestDemoServesScores(t *testing.T) {
	prev := log.Writer()
	log.SetOutput(io.Discard) // slowDB logs each load
	defer log.SetOutput(prev)
	geecache.NewGroup(t.Name(), 0, geecache.GetterFunc(slowDB))
	srv := httptest.NewServer(geecache.NewHTTPPool("http://example"))
	defer srv.Close()
	for key, want := range map[string]struct {
		status int
		body   string
	}{"Tom": {200, "630"}, "kkk": {500, "kkk not exist\n"}} {
		resp, err := http.Get(srv.URL + geecache.DefaultBasePath + t.Name() + "/" + key)
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
