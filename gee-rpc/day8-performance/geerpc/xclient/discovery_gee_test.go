package xclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gee-rpc/day8-performance/geerpc/registry"
)

// fakeRegistry answers GET with its current list, or with the error
// status set, and counts the GETs. While block is set, each GET waits for
// it to be closed.
type fakeRegistry struct {
	*httptest.Server
	gets    atomic.Int32
	mu      sync.Mutex
	servers string
	status  int
	block   chan struct{}
}

func newFakeRegistry(t *testing.T, servers string) *fakeRegistry {
	t.Helper()
	r := &fakeRegistry{servers: servers, status: http.StatusOK}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.gets.Add(1)
		r.mu.Lock()
		servers, status, block := r.servers, r.status, r.block
		r.mu.Unlock()
		if block != nil {
			select {
			case <-block:
			case <-req.Context().Done():
				return
			}
		}
		w.Header().Set(registry.ServersHeader, servers)
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *fakeRegistry) set(servers string, status int, block chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.servers, r.status, r.block = servers, status, block
}

// makeStale ages the discovery's copy past its timeout.
func makeStale(d *GeeRegistryDiscovery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.freshUntil = time.Now().Add(-time.Second)
}

// waitFetched waits until no fetch is in flight, for up to 5 s.
func waitFetched(t *testing.T, d *GeeRegistryDiscovery) {
	t.Helper()
	d.mu.Lock()
	fetching := d.fetching
	d.mu.Unlock()
	if fetching == nil {
		return
	}
	select {
	case <-fetching:
	case <-time.After(5 * time.Second):
		t.Fatal("the fetch never ended")
	}
}

func TestRegistryDiscoveryRefreshesOnlyWhenStale(t *testing.T) {
	ctx := context.Background()
	reg := newFakeRegistry(t, "tcp@a:1, tcp@b:2,")
	d := NewGeeRegistryDiscovery(reg.URL, time.Hour)
	for range 3 {
		all, err := d.GetAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(all, ";") != "tcp@a:1;tcp@b:2" {
			t.Fatalf("servers %q", all)
		}
		if _, err := d.Get(ctx, RoundRobinSelect); err != nil {
			t.Fatal(err)
		}
	}
	if n := reg.gets.Load(); n != 1 {
		t.Fatalf("%d fetches while the copy was fresh, want 1", n)
	}
	reg.set("tcp@c:3", http.StatusOK, nil)
	makeStale(d)
	if s, err := d.Get(ctx, RandomSelect); err != nil || s == "tcp@c:3" {
		t.Fatalf("stale copy: %q, %v; want the old list while the fetch runs", s, err)
	}
	waitFetched(t, d)
	if all, err := d.GetAll(ctx); err != nil || strings.Join(all, ";") != "tcp@c:3" {
		t.Fatalf("after the fetch: %q, %v", all, err)
	}
	if n := reg.gets.Load(); n != 2 {
		t.Fatalf("%d fetches after the copy went stale, want 2", n)
	}
}

func TestRegistryDownIsAClearError(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close()
	d := NewGeeRegistryDiscovery(url, time.Second)
	_, err := d.Get(context.Background(), RandomSelect)
	if err == nil || !strings.HasPrefix(err.Error(), "geerpc: registry "+url+" unreachable") {
		t.Fatalf("err = %v", err)
	}
	xc := NewXClient(d, RandomSelect, nil)
	defer xc.Close()
	if err := xc.Call(context.Background(), "Node.Name", 0, new(string)); err == nil || !strings.Contains(err.Error(), "unreachable") {
		t.Fatalf("XClient.Call: %v", err)
	}

	bad := newFakeRegistry(t, "")
	bad.set("", http.StatusNotFound, nil)
	if _, err := NewGeeRegistryDiscovery(bad.URL, time.Second).GetAll(context.Background()); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("404 registry: %v", err)
	}
}

// Regression: a failed refresh was an error although the discovery held a
// list, so while the registry was down every call failed with the servers
// alive.
func TestDiscoveryKeepsLastGoodListWhenRegistryFails(t *testing.T) {
	ctx := context.Background()
	reg := newFakeRegistry(t, "tcp@a:1")
	d := NewGeeRegistryDiscovery(reg.URL, time.Hour)
	if _, err := d.Get(ctx, RandomSelect); err != nil {
		t.Fatal(err)
	}
	for _, down := range []int{http.StatusInternalServerError, 0} {
		if down == 0 {
			reg.Close() // not even listening
		} else {
			reg.set("", down, nil)
		}
		makeStale(d)
		for range 3 {
			if s, err := d.Get(ctx, RandomSelect); err != nil || s != "tcp@a:1" {
				t.Fatalf("registry down (%d): %q, %v; want the last good list", down, s, err)
			}
			waitFetched(t, d)
		}
	}
	// The failed fetch counts as a try: the next one waits for a period.
	if n := reg.gets.Load(); n != 2 {
		t.Fatalf("%d GETs, want 2 (one good, one failed)", n)
	}
}

// Regression: 100 calls that found the list stale sent 100 GETs.
func TestDiscoveryRefreshesInOneFlight(t *testing.T) {
	reg := newFakeRegistry(t, "tcp@a:1")
	block := make(chan struct{})
	reg.set("tcp@a:1", http.StatusOK, block)
	d := NewGeeRegistryDiscovery(reg.URL, time.Hour)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 100 { // no list yet: all wait for the one fetch
		wg.Go(func() {
			if _, err := d.Get(context.Background(), RandomSelect); err != nil {
				errs <- err
			}
		})
	}
	deadline := time.Now().Add(5 * time.Second)
	for reg.gets.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(block)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	reg.set("tcp@b:2", http.StatusOK, nil)
	makeStale(d)
	for range 100 { // a stale list: all go on with it, one fetch runs
		wg.Go(func() { _, _ = d.Get(context.Background(), RandomSelect) })
	}
	wg.Wait()
	waitFetched(t, d)
	if n := reg.gets.Load(); n != 2 {
		t.Fatalf("%d GETs for 2 rounds of 100 callers, want 2", n)
	}
}

// Regression: a registry that did not answer made every call wait for the
// HTTP timeout, whatever its context.
func TestDiscoveryHonoursCallersContext(t *testing.T) {
	reg := newFakeRegistry(t, "tcp@a:1")
	block := make(chan struct{})
	defer close(block)
	reg.set("tcp@a:1", http.StatusOK, block)
	d := NewGeeRegistryDiscovery(reg.URL, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := d.Get(ctx, RandomSelect); done <- err }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the deadline", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Get waits for the registry beyond its context")
	}
}

// Regression: the HTTP timeout was the refresh period, so with a period of
// an hour a hung registry held a fetch for an hour.
func TestDiscoveryHasItsOwnHTTPTimeout(t *testing.T) {
	if d := NewGeeRegistryDiscovery("http://127.0.0.1:1", time.Hour); d.httpClient.Timeout != fetchTimeout {
		t.Fatalf("HTTP timeout %s, want %s whatever the period", d.httpClient.Timeout, fetchTimeout)
	}
	reg := newFakeRegistry(t, "tcp@a:1")
	block := make(chan struct{})
	defer close(block)
	reg.set("tcp@a:1", http.StatusOK, block)
	d := NewGeeRegistryDiscovery(reg.URL, time.Hour)
	d.httpClient.Timeout = 50 * time.Millisecond
	done := make(chan error, 1)
	go func() { _, err := d.Get(context.Background(), RandomSelect); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "Timeout") {
			t.Fatalf("err = %v, want the HTTP timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the fetch outlived its HTTP timeout")
	}
}

// Regression: the well-known discovery held its lock across the HTTP
// call, so a slow registry froze every user of the discovery.
func TestRefreshHoldsNoLockAcrossHTTP(t *testing.T) {
	reg := newFakeRegistry(t, "tcp@slow:1")
	block := make(chan struct{})
	reg.set("tcp@slow:1", http.StatusOK, block)
	d := NewGeeRegistryDiscovery(reg.URL, time.Minute)
	fetched := make(chan error, 1)
	go func() { _, err := d.Get(context.Background(), RandomSelect); fetched <- err }()
	deadline := time.Now().Add(5 * time.Second)
	for reg.gets.Load() == 0 { // the fetch is in flight
		if time.Now().After(deadline) {
			t.Fatal("Get never asked the registry")
		}
		time.Sleep(time.Millisecond)
	}
	done := make(chan struct{})
	go func() {
		_ = d.Update([]string{"tcp@fresh:1"})
		_, _ = d.MultiServerDiscovery.Get(context.Background(), RandomSelect)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Update and Get blocked while a refresh waited for the registry")
	}
	close(block)
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

// A client keeps calling its servers while the registry is gone.
func TestXClientKeepsCallingWhileRegistryIsDown(t *testing.T) {
	reg := httptest.NewServer(registry.New(time.Minute))
	a, _, _ := startNode(t, "a")
	stop := registry.Heartbeat(reg.URL, a, time.Minute)
	stop()
	d := NewGeeRegistryDiscovery(reg.URL, time.Hour)
	xc := NewXClient(d, RandomSelect, nil)
	defer xc.Close()
	if err := xc.Call(context.Background(), "Node.Name", 0, new(string)); err != nil {
		t.Fatal(err)
	}
	reg.Close()
	makeStale(d)
	for range 5 {
		var name string
		if err := xc.Call(context.Background(), "Node.Name", 0, &name); err != nil || name != "a" {
			t.Fatalf("registry down: %q, %v", name, err)
		}
		waitFetched(t, d)
	}
}
