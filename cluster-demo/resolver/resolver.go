// Package resolver turns a registry into gRPC addresses: a resolver.Builder
// for targets "registry:///<service>" that subscribes to the service in a
// registry.Registry and pushes every change to the ClientConn. Each address
// carries the instance's weight and group as attributes, which the
// balancers of package balancer read with WeightOf and GroupOf.
//
// etcd's own gRPC naming resolver drops instance metadata; this one keeps
// it, whatever Registry implementation feeds it.
package resolver

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc/attributes"
	"google.golang.org/grpc/resolver"

	"cluster-demo/registry"
)

// Scheme is the target scheme handled by Builder.
const Scheme = "registry"

type weightKey struct{}
type groupKey struct{}

// Target returns the dial target for service, "registry:///<service>".
func Target(service string) string { return Scheme + ":///" + service }

// Builder builds resolvers fed by one registry. Pass it to
// grpc.WithResolvers; it is not registered globally, so several clients may
// use different registries.
type Builder struct {
	reg registry.Registry
}

// NewBuilder returns a Builder reading from reg.
func NewBuilder(reg registry.Registry) *Builder { return &Builder{reg: reg} }

// Scheme implements resolver.Builder.
func (b *Builder) Scheme() string { return Scheme }

// Build implements resolver.Builder. It returns at once: the subscription
// is made in the background (registry.Follow), so a registry that is out of
// reach never holds up grpc.NewClient or a call; calls wait for the first
// addresses only as long as their own deadlines allow. Until a list
// arrives, and whenever the registry fails, the error goes to gRPC
// (ReportError), which fails calls that do not wait for readiness with
// codes.Unavailable and that error. The last list stays in use meanwhile.
func (b *Builder) Build(target resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	if b.reg == nil {
		return nil, fmt.Errorf("resolver: no registry to resolve %q from", target.URL.String())
	}
	service := target.Endpoint()
	if service == "" {
		return nil, fmt.Errorf("resolver: target %q names no service, want %s", target.URL.String(), Target("<service>"))
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &registryResolver{cancel: cancel}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		registry.Follow(ctx, b.reg, service,
			func(insts []registry.ServiceInstance) {
				// An empty list is passed on too: the balancer then fails
				// calls with Unavailable instead of using addresses that are
				// gone. The error UpdateState returns in that case only asks
				// for a re-resolution, and the subscription already delivers
				// every change.
				_ = cc.UpdateState(resolver.State{Addresses: Addresses(insts)})
			},
			func(err error) {
				cc.ReportError(fmt.Errorf("resolver: %q: %w", service, err))
			})
	}()
	return r, nil
}

type registryResolver struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// ResolveNow implements resolver.Resolver. Nothing to do: the registry
// subscription already pushes every change.
func (r *registryResolver) ResolveNow(resolver.ResolveNowOptions) {}

// Close implements resolver.Resolver; it ends the subscription.
func (r *registryResolver) Close() {
	r.cancel()
	r.wg.Wait()
}

// Addresses converts instances to gRPC addresses carrying weight and group.
func Addresses(insts []registry.ServiceInstance) []resolver.Address {
	addrs := make([]resolver.Address, 0, len(insts))
	for _, inst := range insts {
		addrs = append(addrs, resolver.Address{
			Addr:       inst.Addr,
			Attributes: attributes.New(weightKey{}, inst.Weight).WithValue(groupKey{}, inst.Group),
		})
	}
	return addrs
}

// WeightOf returns the weight carried by addr, 1 if it carries none.
func WeightOf(addr resolver.Address) int {
	if w, ok := addr.Attributes.Value(weightKey{}).(int); ok && w > 0 {
		return w
	}
	return 1
}

// GroupOf returns the group carried by addr, "" if it carries none.
func GroupOf(addr resolver.Address) string {
	g, _ := addr.Attributes.Value(groupKey{}).(string)
	return g
}
