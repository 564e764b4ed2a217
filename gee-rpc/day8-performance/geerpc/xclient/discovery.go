// Package xclient is a load-balancing geerpc client: a Discovery knows the
// servers, and an XClient picks one per call (or calls them all) and keeps
// one connection per server.
package xclient

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
)

// SelectMode says how Get picks a server.
type SelectMode int

// The select modes.
const (
	RandomSelect     SelectMode = iota // any server, uniformly at random
	RoundRobinSelect                   // each server in turn
)

// String names the mode, as the demos print it.
func (m SelectMode) String() string {
	if m == RandomSelect || m == RoundRobinSelect {
		return [...]string{"random", "round-robin"}[m]
	}
	return fmt.Sprintf("SelectMode(%d)", int(m))
}

// ErrNoServers is returned when a Discovery knows no server.
var ErrNoServers = errors.New("geerpc: no available servers")

// Discovery knows the addresses ("protocol@addr") of the servers. ctx
// bounds whatever a discovery does to answer, such as asking a registry.
type Discovery interface {
	Refresh(ctx context.Context) error                        // reload the list from its source
	Update(servers []string) error                            // replace the list
	Get(ctx context.Context, mode SelectMode) (string, error) // one server
	GetAll(ctx context.Context) ([]string, error)             // every server
}

// MultiServerDiscovery is a Discovery over a fixed list the user
// maintains; it needs no registry.
type MultiServerDiscovery struct {
	mu      sync.Mutex
	servers []string
	index   int // next round-robin position
}

// NewMultiServerDiscovery returns a discovery over servers. Round-robin
// starts at a random position so that many clients do not all hit the
// first server first.
func NewMultiServerDiscovery(servers []string) *MultiServerDiscovery {
	return &MultiServerDiscovery{
		servers: append([]string(nil), servers...),
		index:   rand.IntN(1 << 30),
	}
}

// Refresh does nothing: the list only changes through Update.
func (d *MultiServerDiscovery) Refresh(context.Context) error { return nil }

// Update replaces the list of servers.
func (d *MultiServerDiscovery) Update(servers []string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.servers = append([]string(nil), servers...)
	return nil
}

// Get returns one server chosen by mode.
func (d *MultiServerDiscovery) Get(_ context.Context, mode SelectMode) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := len(d.servers)
	if n == 0 {
		return "", ErrNoServers
	}
	switch mode {
	case RandomSelect:
		return d.servers[rand.IntN(n)], nil
	case RoundRobinSelect:
		s := d.servers[d.index%n] // the list may have shrunk since
		d.index = (d.index + 1) % n
		return s, nil
	default:
		return "", fmt.Errorf("geerpc: unsupported select mode %v", mode)
	}
}

// GetAll returns a copy of the list, or ErrNoServers if it is empty.
func (d *MultiServerDiscovery) GetAll(context.Context) ([]string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.servers) == 0 {
		return nil, ErrNoServers
	}
	return append([]string(nil), d.servers...), nil
}
