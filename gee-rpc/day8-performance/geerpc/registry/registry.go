// Package registry is a small service registry over HTTP. Servers send a
// heartbeat (POST) now and then; clients ask (GET) for the servers whose
// last heartbeat is recent enough.
package registry

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// The registry's HTTP interface.
const (
	DefaultPath    = "/_geerpc_/registry"
	ServersHeader  = "X-Geerpc-Servers" // GET answer: comma-separated addresses
	ServerHeader   = "X-Geerpc-Server"  // POST: the address sending a heartbeat
	DefaultTimeout = 5 * time.Minute
)

// GeeRegistry remembers servers and when each last sent a heartbeat.
type GeeRegistry struct {
	timeout time.Duration
	now     func() time.Time // time.Now; tests move the clock

	mu      sync.Mutex
	servers map[string]time.Time // address -> last heartbeat
}

// New returns a registry that forgets a server timeout after its last
// heartbeat; zero means never.
func New(timeout time.Duration) *GeeRegistry {
	return &GeeRegistry{
		timeout: timeout,
		now:     time.Now,
		servers: make(map[string]time.Time),
	}
}

// DefaultGeeRegister is the registry HandleHTTP serves.
var DefaultGeeRegister = New(DefaultTimeout)

func (r *GeeRegistry) putServer(addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.servers[addr] = r.now()
}

// aliveServers returns the live servers, sorted, and forgets the others.
func (r *GeeRegistry) aliveServers() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	var alive []string
	for addr, last := range r.servers {
		if r.timeout == 0 || last.Add(r.timeout).After(now) {
			alive = append(alive, addr)
		} else {
			delete(r.servers, addr)
		}
	}
	slices.Sort(alive)
	return alive
}

// ServeHTTP answers GET with the live servers in the X-Geerpc-Servers
// header, and records a heartbeat for a POST naming its server in
// X-Geerpc-Server.
func (r *GeeRegistry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	switch req.Method {
	case http.MethodGet:
		w.Header().Set(ServersHeader, strings.Join(r.aliveServers(), ","))
	case http.MethodPost:
		addr := strings.TrimSpace(req.Header.Get(ServerHeader))
		if addr == "" || strings.Contains(addr, ",") {
			http.Error(w, "geerpc: registry: POST needs one address in "+ServerHeader, http.StatusBadRequest)
			return
		}
		r.putServer(addr)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
	}
}

// HandleHTTP registers the registry at registryPath on
// http.DefaultServeMux.
func (r *GeeRegistry) HandleHTTP(registryPath string) {
	http.Handle(registryPath, r)
}

// HandleHTTP registers DefaultGeeRegister at DefaultPath.
func HandleHTTP() {
	DefaultGeeRegister.HandleHTTP(DefaultPath)
}

// Heartbeat tells the registry (a URL such as
// "http://host:port/_geerpc_/registry") that addr is alive, now and then
// every duration (zero means a minute less than DefaultTimeout), until
// stop is called. A failed heartbeat is logged and the next one is tried
// on schedule; each request may take as long as the period, but at least
// a second and at most ten.
//
// A server that beats until its process exits can ignore stop and write
// registry.Heartbeat(url, addr, 0) as a statement; keep stop to end the
// heartbeats on a graceful shutdown or in a test.
func Heartbeat(registry, addr string, duration time.Duration) (stop func()) {
	if duration <= 0 {
		duration = DefaultTimeout - time.Minute
	}
	client := &http.Client{Timeout: min(max(duration, time.Second), 10*time.Second)}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan struct{})
	beat := func() {
		if err := sendHeartbeat(ctx, client, registry, addr); err != nil && ctx.Err() == nil {
			log.Printf("geerpc: heartbeat for %s: %v (will retry in %s)", addr, err, duration)
		}
	}
	beat() // registered before Heartbeat returns, if the registry is up
	go func() {
		defer close(stopped)
		ticker := time.NewTicker(duration)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				beat()
			}
		}
	}()
	return func() {
		cancel()
		<-stopped
	}
}

func sendHeartbeat(ctx context.Context, client *http.Client, registry, addr string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, registry, nil)
	if err != nil {
		return fmt.Errorf("geerpc: heartbeat: %w", err)
	}
	req.Header.Set(ServerHeader, addr)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("geerpc: heartbeat: %w", err)
	}
	// Drain and close, so the connection is reused and nothing leaks.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("geerpc: heartbeat: registry answered %s", resp.Status)
	}
	return nil
}
