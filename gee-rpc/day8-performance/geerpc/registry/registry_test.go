package registry

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func do(t *testing.T, method, url, server string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	if server != "" {
		req.Header.Set(ServerHeader, server)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestRegistryHTTP(t *testing.T) {
	ts := httptest.NewServer(New(time.Minute))
	defer ts.Close()
	for _, s := range []string{"tcp@b:2", "tcp@a:1", "tcp@b:2"} {
		if resp := do(t, http.MethodPost, ts.URL, s); resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d", s, resp.StatusCode)
		}
	}
	if got := do(t, http.MethodGet, ts.URL, "").Header.Get(ServersHeader); got != "tcp@a:1,tcp@b:2" {
		t.Fatalf("GET: %q", got)
	}
	if resp := do(t, http.MethodPost, ts.URL, ""); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("POST without server: %d", resp.StatusCode)
	}
	if resp := do(t, http.MethodPost, ts.URL, "a,b"); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("POST with two servers: %d", resp.StatusCode)
	}
	if resp := do(t, http.MethodPut, ts.URL, "x"); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
}

// Regression: the registry listed any string up to about 1 MiB, so a few
// large POSTs made its GET answer too big for a client to read, and one
// junk entry made every Broadcast fail.
func TestRegistryRejectsBadAddresses(t *testing.T) {
	r := New(time.Minute)
	for _, bad := range []string{
		"", "127.0.0.1:1", "tcp@127.0.0.1", "http@h:0", "tcp@h:99999", "ftp@h:1", "unix@relative",
		"tcp@a,b:1", "tcp@h:1 junk", "tcp@h:1\x00", "tcp@" + strings.Repeat("h", 1<<20) + ":1",
	} {
		req := httptest.NewRequest(http.MethodPost, DefaultPath, nil)
		req.Header.Set(ServerHeader, bad)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusBadRequest {
			t.Errorf("POST %.40q: %d, want 400", bad, w.Code)
		}
	}
	for _, good := range []string{"tcp@127.0.0.1:8001", "http@[::1]:80", "unix@/run/geerpc.sock"} {
		req := httptest.NewRequest(http.MethodPost, DefaultPath, nil)
		req.Header.Set(ServerHeader, good)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Errorf("POST %q: %d, want 200", good, w.Code)
		}
	}
	if got := r.aliveServers(); len(got) != 3 {
		t.Fatalf("listed %q, want only the 3 good ones", got)
	}
}

func TestRegistryCapsServers(t *testing.T) {
	r := New(time.Minute)
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	post := func(addr string) int {
		req := httptest.NewRequest(http.MethodPost, DefaultPath, nil)
		req.Header.Set(ServerHeader, addr)
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		return w.Code
	}
	for i := range MaxServers {
		if code := post(fmt.Sprintf("tcp@10.0.0.1:%d", i+1)); code != http.StatusOK {
			t.Fatalf("server %d: %d", i+1, code)
		}
	}
	if code := post("tcp@10.0.0.2:1"); code != http.StatusServiceUnavailable {
		t.Fatalf("one server too many: %d, want 503", code)
	}
	if code := post("tcp@10.0.0.1:1"); code != http.StatusOK {
		t.Fatalf("a known server's heartbeat: %d, want 200", code)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute) // they all expire
	mu.Unlock()
	if code := post("tcp@10.0.0.2:1"); code != http.StatusOK {
		t.Fatalf("after expiry: %d, want 200", code)
	}
}

func TestRegistryExpiresServersThatStopBeating(t *testing.T) {
	r := New(time.Minute)
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	r.putServer("a")
	r.putServer("b")
	advance(40 * time.Second)
	r.putServer("b") // b keeps beating, a does not
	advance(30 * time.Second)
	if got := r.aliveServers(); len(got) != 1 || got[0] != "b" {
		t.Fatalf("alive = %v, want [b]", got)
	}
	advance(time.Minute)
	if got := r.aliveServers(); len(got) != 0 {
		t.Fatalf("alive = %v, want none", got)
	}

	forever := New(0)
	forever.now = r.now
	forever.putServer("c")
	advance(24 * time.Hour)
	if got := forever.aliveServers(); len(got) != 1 {
		t.Fatalf("timeout 0 expired a server: %v", got)
	}
}

// Regression: the well-known Heartbeat stopped for good after one failed
// request.
func TestHeartbeatKeepsTryingAfterFailures(t *testing.T) {
	var requests atomic.Int32
	registered := make(chan string, 1)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if requests.Add(1) <= 3 {
			http.Error(w, "registry hiccup", http.StatusInternalServerError)
			return
		}
		select {
		case registered <- req.Header.Get(ServerHeader):
		default:
		}
	}))
	defer ts.Close()
	stop := Heartbeat(ts.URL, "tcp@x:1", 5*time.Millisecond)
	defer stop()
	select {
	case addr := <-registered:
		if addr != "tcp@x:1" {
			t.Fatalf("registered %q", addr)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no successful heartbeat after %d requests", requests.Load())
	}
}

func TestHeartbeatBoundsEachRequest(t *testing.T) {
	var requests atomic.Int32
	registered := make(chan struct{}, 1)
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if requests.Add(1) == 1 {
			select { // the first request hangs
			case <-release:
			case <-req.Context().Done():
			}
			return
		}
		select {
		case registered <- struct{}{}:
		default:
		}
	}))
	defer ts.Close()
	defer close(release)
	stop := Heartbeat(ts.URL, "tcp@x:1", 20*time.Millisecond)
	defer stop()
	select {
	case <-registered:
	case <-time.After(5 * time.Second):
		t.Fatal("a hanging request stopped the heartbeats")
	}
}

func TestHeartbeatClosesResponseBodies(t *testing.T) {
	var conns, beats atomic.Int32
	enough := make(chan struct{})
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = w.Write([]byte("ok, noted\n"))
		if beats.Add(1) == 5 {
			close(enough)
		}
	}))
	ts.Config.ConnState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	defer ts.Close()
	stop := Heartbeat(ts.URL, "tcp@x:1", 2*time.Millisecond)
	select {
	case <-enough:
	case <-time.After(5 * time.Second):
		t.Fatal("heartbeats stopped")
	}
	stop()
	// A body left open pins its connection, and the next heartbeat has
	// to open another.
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for %d heartbeats, want 1", n, beats.Load())
	}
}
