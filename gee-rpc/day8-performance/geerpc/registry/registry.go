// Package registry is a small service registry over HTTP. Servers send a
// heartbeat (POST) now and then; clients ask (GET) for the servers whose
// last heartbeat is recent enough.
package registry

import (
	"context"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"gee-rpc/day8-performance/geerpc"
)

// The registry's HTTP interface and its limits.
const (
	DefaultPath    = "/_geerpc_/registry"
	ServersHeader  = "X-Geerpc-Servers" // GET answer: comma-separated addresses
	ServerHeader   = "X-Geerpc-Server"  // POST: the address sending a heartbeat
	DefaultTimeout = 5 * time.Minute
	MaxServers     = 1000 // most servers listed at a time
)

// GeeRegistry remembers servers and when each last sent a heartbeat. It is
// an http.Handler: mount it at DefaultPath on a mux.
type GeeRegistry struct {
	timeout time.Duration
	now     func() time.Time // time.Now; tests move the clock
	mu      sync.Mutex
	servers map[string]time.Time // address -> last heartbeat
}

// New returns a registry that forgets a server timeout after its last
// heartbeat; zero means never.
func New(timeout time.Duration) *GeeRegistry {
	return &GeeRegistry{timeout: timeout, now: time.Now, servers: make(map[string]time.Time)}
}

// putServer records a heartbeat; a new server is refused if MaxServers live.
func (r *GeeRegistry) putServer(addr string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forgetExpired()
	if _, known := r.servers[addr]; !known && len(r.servers) >= MaxServers {
		return false
	}
	r.servers[addr] = r.now()
	return true
}

// aliveServers returns the live servers, sorted.
func (r *GeeRegistry) aliveServers() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.forgetExpired()
	return slices.Sorted(maps.Keys(r.servers))
}

// forgetExpired drops the servers whose heartbeat is too old; r.mu is held.
func (r *GeeRegistry) forgetExpired() {
	now := r.now()
	maps.DeleteFunc(r.servers, func(_ string, last time.Time) bool {
		return r.timeout > 0 && !last.Add(r.timeout).After(now)
	})
}

// ServeHTTP answers GET with the live servers in X-Geerpc-Servers, and
// records a heartbeat for a POST naming its server in X-Geerpc-Server: 400
// if that is not a valid address (geerpc.SplitAddr), 503 if it is full.
func (r *GeeRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch req.Method {
	case http.MethodGet:
		w.Header().Set(ServersHeader, strings.Join(r.aliveServers(), ","))
	case http.MethodPost:
		addr := req.Header.Get(ServerHeader)
		if _, _, err := geerpc.SplitAddr(addr); err != nil {
			http.Error(w, "geerpc: registry: "+ServerHeader+" must be tcp@host:port, http@host:port or unix@/path", http.StatusBadRequest)
		} else if !r.putServer(addr) {
			http.Error(w, "geerpc: registry: full", http.StatusServiceUnavailable)
		}
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
	}
}

// Heartbeat tells the registry (a URL such as
// "http://host:port/_geerpc_/registry") that addr is alive, now and then
// every period (zero means a minute less than DefaultTimeout), until stop
// is called. A server that beats until its process exits may ignore stop.
func Heartbeat(registry, addr string, period time.Duration) (stop func()) {
	if period <= 0 {
		period = DefaultTimeout - time.Minute
	}
	// Each request may take the period, but at least 1 s and at most 10 s.
	client := &http.Client{Timeout: min(max(period, time.Second), 10*time.Second)}
	ctx, cancel := context.WithCancel(context.Background())
	sendHeartbeat(ctx, client, registry, addr) // before Heartbeat returns
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(period)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				sendHeartbeat(ctx, client, registry, addr)
			}
		}
	}()
	return func() { cancel(); <-stopped }
}

// sendHeartbeat posts one heartbeat; a failure is logged, nothing more.
func sendHeartbeat(ctx context.Context, client *http.Client, registry, addr string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, registry, nil)
	if err == nil {
		req.Header.Set(ServerHeader, addr)
		var resp *http.Response
		if resp, err = client.Do(req); err == nil {
			// Drained and closed, or its connection could not be reused.
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("registry answered %s", resp.Status)
			}
		}
	}
	if err != nil && ctx.Err() == nil {
		log.Printf("geerpc: heartbeat for %s: %v (will retry)", addr, err)
	}
}
