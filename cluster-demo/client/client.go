// Package client dials a service by name: the target resolves through a
// registry (package resolver) and the service config picks the balancer by
// name (package balancer registers ours; grpc-go's "round_robin" and
// "pick_first" work too).
package client

import (
	"context"
	"encoding/json"
	"fmt"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"

	"cluster-demo/registry"
	"cluster-demo/resolver"
)

// ServiceConfig returns the JSON service config that selects balancer with
// its config cfg (nil for none), e.g. {"loadBalancingConfig":[{"gee_round_robin":{}}]}.
func ServiceConfig(balancer string, cfg any) (string, error) {
	if cfg == nil {
		cfg = struct{}{}
	}
	js, err := json.Marshal(map[string]any{
		"loadBalancingConfig": []map[string]any{{balancer: cfg}},
	})
	if err != nil {
		return "", fmt.Errorf("client: service config for %q: %w", balancer, err)
	}
	return string(js), nil
}

// Dial connects to service through reg, balancing with the balancer
// registered as balancerName, and returns once the connection can serve a
// call (at least one instance ready) or ctx ends. Calls use plain-text
// transport unless opts say otherwise; opts come last, so they may override
// the service config too (grpc.WithDefaultServiceConfig). An unknown
// balancer name is an error.
func Dial(ctx context.Context, reg registry.Registry, service, balancerName string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	if service == "" {
		return nil, fmt.Errorf("client: dial needs a service name")
	}
	if reg == nil {
		return nil, fmt.Errorf("client: dial %q needs a registry", service)
	}
	sc, err := ServiceConfig(balancerName, nil)
	if err != nil {
		return nil, err
	}
	all := append([]grpc.DialOption{
		grpc.WithResolvers(resolver.NewBuilder(reg)),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(sc),
	}, opts...)
	cc, err := grpc.NewClient(resolver.Target(service), all...)
	if err != nil {
		return nil, fmt.Errorf("client: dial %q with balancer %q: %w", service, balancerName, err)
	}
	if err := WaitReady(ctx, cc); err != nil {
		cc.Close()
		return nil, fmt.Errorf("client: dial %q: %w", service, err)
	}
	return cc, nil
}

// WaitReady makes cc connect and waits until it is Ready or ctx ends.
func WaitReady(ctx context.Context, cc *grpc.ClientConn) error {
	cc.Connect()
	for {
		state := cc.GetState()
		if state == connectivity.Ready {
			return nil
		}
		if state == connectivity.Shutdown {
			return fmt.Errorf("client: connection closed")
		}
		if !cc.WaitForStateChange(ctx, state) {
			return fmt.Errorf("client: not ready (state %s): %w", state, ctx.Err())
		}
	}
}
