// Package registry describes where the instances of a service live.
//
// A server registers a ServiceInstance (service name, address, weight and
// group) when it starts and unregisters it when it stops; clients list the
// instances or subscribe to changes. Memory is the in-process implementation
// used by tests, demos and the tour; package etcdregistry stores the same
// data in etcd.
package registry

import (
	"context"
	"errors"
	"fmt"
	"sort"
)

// MaxWeight bounds ServiceInstance.Weight so that weighted balancers can add
// up the weights of many instances without overflowing.
const MaxWeight = 1 << 20

// ErrClosed is returned by a Registry that has been closed.
var ErrClosed = errors.New("registry: closed")

// ServiceInstance is one server of a service.
type ServiceInstance struct {
	// Name is the service name, e.g. "user".
	Name string `json:"name"`
	// Addr is the host:port the server listens on; it identifies the
	// instance within its service.
	Addr string `json:"addr"`
	// Group tags the instance for group routing (A/B tests); may be empty.
	Group string `json:"group,omitempty"`
	// Weight is the share of traffic for weighted balancers, 1..MaxWeight.
	// Register turns 0 into 1.
	Weight int `json:"weight"`
}

// Registry stores the instances of services.
type Registry interface {
	// Register adds the instance, or updates it if one with the same Name
	// and Addr is registered.
	Register(ctx context.Context, inst ServiceInstance) error
	// Unregister removes the instance with inst.Name and inst.Addr.
	// Removing an instance that is not registered is not an error.
	Unregister(ctx context.Context, inst ServiceInstance) error
	// List returns the instances of service, sorted by Addr.
	List(ctx context.Context, service string) ([]ServiceInstance, error)
	// Subscribe returns a channel that first receives the current instances
	// of service and then the full, sorted list after every change. A slow
	// reader only misses intermediate lists, never the latest one. The
	// channel is closed when ctx is done or the registry is closed.
	Subscribe(ctx context.Context, service string) (<-chan []ServiceInstance, error)
	// Close releases the registry; its subscriptions end.
	Close() error
}

// Normalize checks inst and returns it with defaults applied (Weight 0
// becomes 1). Implementations call it in Register.
func Normalize(inst ServiceInstance) (ServiceInstance, error) {
	if inst.Name == "" {
		return inst, errors.New("registry: instance without a service name")
	}
	if inst.Addr == "" {
		return inst, fmt.Errorf("registry: instance of %q without an address", inst.Name)
	}
	if inst.Weight < 0 || inst.Weight > MaxWeight {
		return inst, fmt.Errorf("registry: instance %s of %q has weight %d, want 0..%d", inst.Addr, inst.Name, inst.Weight, MaxWeight)
	}
	if inst.Weight == 0 {
		inst.Weight = 1
	}
	return inst, nil
}

// SortInstances orders instances by Addr, the order List and Subscribe use.
func SortInstances(insts []ServiceInstance) {
	sort.Slice(insts, func(i, j int) bool { return insts[i].Addr < insts[j].Addr })
}
