package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"gee-cache/day8-performance/geecache"
)

func TestAPIHandler(t *testing.T) {
	name := groupName(t)
	prev := log.Writer()
	log.SetOutput(io.Discard) // slowDB logs each load
	defer log.SetOutput(prev)
	g := geecache.NewGroup(name, 0, slowDB(0))
	srv := httptest.NewServer(apiHandler(g))
	defer srv.Close()

	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/api?key=Tom", 200, "630"},
		{"/api?key=Tom", 200, "630"},
		{"/api?key=kkk", 404, "kkk not exist\n"},
		{"/api", 400, "missing ?key=\n"},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || string(body) != tt.body {
			t.Errorf("GET %s = %d %q; want %d %q", tt.path, resp.StatusCode, body, tt.status, tt.body)
		}
	}

	resp, err := http.Get(srv.URL + "/api/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s geecache.Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	if s.Gets != 3 || s.Hits != 1 || s.LocalLoads != 1 || s.LocalLoadErrs != 1 {
		t.Fatalf("stats = %+v; want 3 gets, 1 hit, 1 load, 1 load error", s)
	}
}

var groupSeq atomic.Int64

// groupName returns a group name no other test run has registered, so the
// tests also pass with -count > 1 (group names are process-wide).
func groupName(t *testing.T) string {
	return fmt.Sprintf("%s-%d", t.Name(), groupSeq.Add(1))
}
