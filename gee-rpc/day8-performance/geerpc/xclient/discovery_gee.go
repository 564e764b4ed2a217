package xclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"gee-rpc/day8-performance/geerpc/registry"
)

const (
	defaultUpdateTimeout = 10 * time.Second // how long a copy of the list is used
	fetchTimeout         = 5 * time.Second  // how long one request to the registry may take
)

// GeeRegistryDiscovery gets its list from a GeeRegistry. Once its copy is
// older than timeout, one fetch runs in the background however many
// callers find it stale, and they go on with the copy: while the registry
// is down they keep the last good list. Update sets the list until the
// next fetch. Only without a list do callers wait for a fetch (or ctx).
type GeeRegistryDiscovery struct {
	*MultiServerDiscovery
	registry   string
	timeout    time.Duration
	httpClient *http.Client
	mu         sync.Mutex    // guards the fields below; never held during HTTP
	freshUntil time.Time     // zero until there is a list
	fetching   chan struct{} // closed when the fetch in flight ends; nil if none
	fetchErr   error         // of the last fetch
}

// NewGeeRegistryDiscovery returns a discovery asking the registry at
// registerAddr (its full URL); timeout zero means 10 seconds.
func NewGeeRegistryDiscovery(registerAddr string, timeout time.Duration) *GeeRegistryDiscovery {
	if timeout == 0 {
		timeout = defaultUpdateTimeout
	}
	return &GeeRegistryDiscovery{MultiServerDiscovery: NewMultiServerDiscovery(nil),
		registry: registerAddr, timeout: timeout, httpClient: &http.Client{Timeout: fetchTimeout}}
}

// Refresh starts a fetch if the copy is stale; it waits only without a list.
func (d *GeeRegistryDiscovery) Refresh(ctx context.Context) error {
	d.mu.Lock()
	if d.fetching == nil && time.Now().After(d.freshUntil) {
		d.fetching = make(chan struct{})
		go d.fetch(d.fetching)
	}
	fetching, haveList := d.fetching, !d.freshUntil.IsZero()
	d.mu.Unlock()
	if haveList {
		return nil
	}
	select {
	case <-fetching:
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.fetchErr
	case <-ctx.Done():
		return fmt.Errorf("geerpc: registry %s: %w", d.registry, ctx.Err())
	}
}

// fetch asks the registry once, then closes done; a failure keeps any list.
func (d *GeeRegistryDiscovery) fetch(done chan struct{}) {
	defer close(done)
	servers, err := d.ask()
	if err == nil {
		_ = d.MultiServerDiscovery.Update(servers)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err == nil || !d.freshUntil.IsZero() {
		d.freshUntil = time.Now().Add(d.timeout)
	}
	d.fetching, d.fetchErr = nil, err
}

func (d *GeeRegistryDiscovery) ask() ([]string, error) {
	resp, err := d.httpClient.Get(d.registry)
	if err != nil {
		return nil, fmt.Errorf("geerpc: registry %s unreachable: %w", d.registry, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("geerpc: registry %s answered %s", d.registry, resp.Status)
	}
	return strings.FieldsFunc(resp.Header.Get(registry.ServersHeader), func(c rune) bool { return c == ',' || c == ' ' }), nil
}

// Get refreshes the list if needed and returns one server.
func (d *GeeRegistryDiscovery) Get(ctx context.Context, mode SelectMode) (string, error) {
	if err := d.Refresh(ctx); err != nil {
		return "", err
	}
	return d.MultiServerDiscovery.Get(ctx, mode)
}

// GetAll refreshes the list if needed and returns all of it.
func (d *GeeRegistryDiscovery) GetAll(ctx context.Context) ([]string, error) {
	if err := d.Refresh(ctx); err != nil {
		return nil, err
	}
	return d.MultiServerDiscovery.GetAll(ctx)
}
