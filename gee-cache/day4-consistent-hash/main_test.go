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
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gee-cache/day4-consistent-hash/geecache"
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

// within waits for c at most d, as a bound on something that must happen.
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
	name := groupName(t)
	loading, loadErr := make(chan struct{}), make(chan error, 1)
	geecache.NewGroup(name, 2<<10, geecache.GetterFunc(func(ctx context.Context, key string) ([]byte, error) {
		close(loading)
		<-ctx.Done() // a load that would never end on its own
		loadErr <- ctx.Err()
		return nil, ctx.Err()
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serve(ctx, ln, geecache.NewHTTPPool(url), 50*time.Millisecond) }()
	answered := make(chan error, 1)
	go func() {
		resp, err := http.Get(url + geecache.DefaultBasePath + name + "/Tom")
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

func TestDemoMovesAboutAQuarterOfTheKeys(t *testing.T) {
	var out strings.Builder
	run(&out, 200, 20000)
	m := regexp.MustCompile(`moved (\d+) keys`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no 'moved' line:\n%s", out.String())
	}
	moved, _ := strconv.Atoi(m[1])
	if frac := float64(moved) / 20000; frac < 0.1 || frac > 0.4 {
		t.Fatalf("%.1f%% of the keys moved; want about 25%%:\n%s", 100*frac, out.String())
	}
	if !strings.Contains(out.String(), "Tom  -> http://localhost:8001") {
		t.Errorf("Tom's owner changed:\n%s", out.String())
	}
}

var groupSeq atomic.Int64

// groupName returns a group name no other test run has registered, so the
// tests also pass with -count > 1 (group names are process-wide).
func groupName(t *testing.T) string {
	return fmt.Sprintf("%s-%d", t.Name(), groupSeq.Add(1))
}
