package xclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gee-rpc/day8-performance/geerpc/registry"
)

// countingRegistry answers GET with servers and counts the GETs.
func countingRegistry(t *testing.T, servers string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var gets atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		gets.Add(1)
		w.Header().Set(registry.ServersHeader, servers)
	}))
	t.Cleanup(ts.Close)
	return ts, &gets
}

func TestRegistryDiscoveryRefreshesOnlyWhenStale(t *testing.T) {
	ts, gets := countingRegistry(t, "tcp@a:1, tcp@b:2,")
	d := NewGeeRegistryDiscovery(ts.URL, time.Hour)
	for range 3 {
		all, err := d.GetAll()
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(all, ";") != "tcp@a:1;tcp@b:2" {
			t.Fatalf("servers %q", all)
		}
		if _, err := d.Get(RoundRobinSelect); err != nil {
			t.Fatal(err)
		}
	}
	if n := gets.Load(); n != 1 {
		t.Fatalf("%d fetches while the copy was fresh, want 1", n)
	}
	d.mu.Lock()
	d.lastUpdate = time.Now().Add(-2 * time.Hour) // the copy is now stale
	d.mu.Unlock()
	if _, err := d.Get(RandomSelect); err != nil {
		t.Fatal(err)
	}
	if n := gets.Load(); n != 2 {
		t.Fatalf("%d fetches after the copy went stale, want 2", n)
	}
}

func TestRegistryDownIsAClearError(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	d := NewGeeRegistryDiscovery(url, time.Second)
	_, err := d.Get(RandomSelect)
	if err == nil || !strings.HasPrefix(err.Error(), "geerpc: registry "+url+" unreachable") {
		t.Fatalf("err = %v", err)
	}
	xc := NewXClient(d, RandomSelect, nil)
	defer xc.Close()
	if err := xc.Call(context.Background(), "Node.Name", 0, new(string)); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("XClient.Call: %v", err)
	}

	bad := httptest.NewServer(http.NotFoundHandler())
	defer bad.Close()
	if _, err := NewGeeRegistryDiscovery(bad.URL, time.Second).GetAll(); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("404 registry: %v", err)
	}
}

// Regression: the well-known discovery held its lock across the HTTP
// call, so a slow registry froze every user of the discovery.
func TestRefreshHoldsNoLockAcrossHTTP(t *testing.T) {
	entered := make(chan struct{})
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		close(entered)
		<-release
		w.Header().Set(registry.ServersHeader, "tcp@slow:1")
	}))
	defer ts.Close()
	d := NewGeeRegistryDiscovery(ts.URL, time.Minute)
	fetched := make(chan error, 1)
	go func() { _, err := d.Get(RandomSelect); fetched <- err }()
	select {
	case <-entered: // the fetch is in flight
	case <-time.After(5 * time.Second):
		t.Fatal("Get never asked the registry")
	}

	done := make(chan struct{})
	go func() {
		_ = d.Update([]string{"tcp@fresh:1"})
		_, _ = d.Get(RandomSelect) // fresh now: no fetch
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Update and Get blocked while a refresh waited for the registry")
	}
	close(release)
	if err := <-fetched; err != nil {
		t.Fatal(err)
	}
}

func TestXClientThroughRegistry(t *testing.T) {
	reg := httptest.NewServer(registry.New(time.Minute))
	defer reg.Close()
	a, _, _ := startNode(t, "a")
	b, _, _ := startNode(t, "b")
	for _, addr := range []string{a, b} {
		stop := registry.Heartbeat(reg.URL, addr, time.Minute)
		defer stop()
	}
	xc := NewXClient(NewGeeRegistryDiscovery(reg.URL, 0), RoundRobinSelect, nil)
	defer xc.Close()
	names := map[string]int{}
	for range 4 {
		var name string
		if err := xc.Call(context.Background(), "Node.Name", 0, &name); err != nil {
			t.Fatal(err)
		}
		names[name]++
	}
	if names["a"] != 2 || names["b"] != 2 {
		t.Fatalf("calls: %v", names)
	}
	var name string
	if err := xc.Broadcast(context.Background(), "Node.FailOn", "nobody", &name); err != nil || name == "" {
		t.Fatalf("broadcast: %q, %v", name, err)
	}
}
