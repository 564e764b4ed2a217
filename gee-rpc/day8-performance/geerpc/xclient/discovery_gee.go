package xclient

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"gee-rpc/day8-performance/geerpc/registry"
)

// defaultUpdateTimeout is how long a copy of the registry's list is used
// before it is fetched again.
const defaultUpdateTimeout = 10 * time.Second

// GeeRegistryDiscovery is a Discovery that gets its list from a
// GeeRegistry and fetches it again once its copy is older than timeout.
type GeeRegistryDiscovery struct {
	*MultiServerDiscovery
	registry   string
	timeout    time.Duration
	httpClient *http.Client

	mu         sync.Mutex // guards lastUpdate; never held during HTTP
	lastUpdate time.Time
}

var _ Discovery = (*GeeRegistryDiscovery)(nil)

// NewGeeRegistryDiscovery returns a discovery asking the registry at
// registerAddr (its full URL); timeout zero means 10 seconds.
func NewGeeRegistryDiscovery(registerAddr string, timeout time.Duration) *GeeRegistryDiscovery {
	if timeout == 0 {
		timeout = defaultUpdateTimeout
	}
	return &GeeRegistryDiscovery{
		MultiServerDiscovery: NewMultiServerDiscovery(nil),
		registry:             registerAddr,
		timeout:              timeout,
		httpClient:           &http.Client{Timeout: timeout},
	}
}

// Update replaces the list and counts it as fresh.
func (d *GeeRegistryDiscovery) Update(servers []string) error {
	_ = d.MultiServerDiscovery.Update(servers)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lastUpdate = time.Now()
	return nil
}

// Refresh fetches the list from the registry if the copy is stale.
func (d *GeeRegistryDiscovery) Refresh() error {
	d.mu.Lock()
	fresh := time.Since(d.lastUpdate) < d.timeout
	d.mu.Unlock()
	if fresh {
		return nil
	}
	servers, err := d.fetch()
	if err != nil {
		return err
	}
	return d.Update(servers)
}

func (d *GeeRegistryDiscovery) fetch() ([]string, error) {
	resp, err := d.httpClient.Get(d.registry)
	if err != nil {
		return nil, fmt.Errorf("geerpc: registry %s unreachable: %w", d.registry, err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("geerpc: registry %s answered %s", d.registry, resp.Status)
	}
	var servers []string
	for _, s := range strings.Split(resp.Header.Get(registry.ServersHeader), ",") {
		if s = strings.TrimSpace(s); s != "" {
			servers = append(servers, s)
		}
	}
	return servers, nil
}

// Get refreshes the list if needed and returns one server.
func (d *GeeRegistryDiscovery) Get(mode SelectMode) (string, error) {
	if err := d.Refresh(); err != nil {
		return "", err
	}
	return d.MultiServerDiscovery.Get(mode)
}

// GetAll refreshes the list if needed and returns all of it.
func (d *GeeRegistryDiscovery) GetAll() ([]string, error) {
	if err := d.Refresh(); err != nil {
		return nil, err
	}
	return d.MultiServerDiscovery.GetAll()
}
