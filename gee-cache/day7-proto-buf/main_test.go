package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"gee-cache/day7-proto-buf/geecache"
)

func TestAPIAnswersUsers(t *testing.T) {
	prev := log.Writer()
	log.SetOutput(io.Discard) // slowDB logs each load
	defer log.SetOutput(prev)
	g := geecache.NewGroup(groupName(t), 2<<10, slowDB(0))
	srv := httptest.NewUnstartedServer(nil)
	self := "http://" + srv.Listener.Addr().String()
	srv.Config.Handler = node(g, self, []string{self}, true)
	srv.Start()
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
		// Peers' requests reach the pool, whatever the key; a ServeMux
		// would redirect this one.
		{geecache.DefaultBasePath + g.Name() + "/..", 500, ".. not exist\n"},
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
	if s := g.Stats(); s.Gets != 4 || s.Hits != 1 || s.LocalLoads != 1 || s.LocalLoadErrs != 2 {
		t.Fatalf("stats = %+v; want 4 gets, 1 hit, 1 load, 2 load errors", s)
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

func TestShutdownIsBoundedWithALoadInFlight(t *testing.T) {
	prev := log.Writer()
	log.SetOutput(io.Discard)
	defer log.SetOutput(prev)
	loading, loadErr := make(chan struct{}), make(chan error, 1)
	slow := slowDB(time.Hour) // a load that would not end before the test does
	g := geecache.NewGroup(groupName(t), 2<<10, geecache.GetterFunc(func(ctx context.Context, key string) ([]byte, error) {
		close(loading)
		v, err := slow(ctx, key)
		loadErr <- err
		return v, err
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	self := "http://" + ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, node(g, self, []string{self}, true), 50*time.Millisecond) }()
	answered := make(chan error, 1)
	go func() {
		resp, err := http.Get(self + "/api?key=Tom")
		if err == nil {
			resp.Body.Close()
		}
		answered <- err
	}()
	within(t, loading, 5*time.Second, "the load to start")
	stop() // what SIGTERM does in main

	if err := within(t, served, 5*time.Second, "shutting down"); err != nil {
		t.Fatalf("serve = %v; want nil after the forced close", err)
	}
	if err := within(t, loadErr, 5*time.Second, "the load to see the shutdown"); !errors.Is(err, context.Canceled) {
		t.Fatalf("the load ended with %v; want context.Canceled", err)
	}
	if err := within(t, answered, 5*time.Second, "the client's request to end"); err == nil {
		t.Fatal("the client got an answer from a load that was cancelled")
	}
}

var groupSeq atomic.Int64

// groupName returns a group name no other test run has registered, so the
// tests also pass with -count > 1 (group names are process-wide).
func groupName(t *testing.T) string {
	return fmt.Sprintf("%s-%d", t.Name(), groupSeq.Add(1))
}
