// Package client dials a service by name: the target resolves through a
// registry (package resolver) and the service config picks the balancer by
// name (package balancer registers ours; grpc-go's "round_robin" and
// "pick_first" work too). The service config also turns on client-side
// health checking, so a server that reports NOT_SERVING (package server
// does while it drains) leaves the picker, and, for package balancer's
// policies, outlier ejection.
package client

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"google.golang.org/grpc"
	"google.golang.org/grpc/connectivity"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/health" // registers the client side of health checking

	"cluster-demo/balancer"
	"cluster-demo/registry"
	"cluster-demo/resolver"
)

// ServiceConfig returns the JSON service config that selects balancer with
// its config cfg (nil for none) and watches every server's overall health
// (service name ""), e.g.
// {"healthCheckConfig":{"serviceName":""},"loadBalancingConfig":[{"gee_round_robin":{}}]}.
// A server without the health service counts as healthy.
func ServiceConfig(balancer string, cfg any) (string, error) {
	if cfg == nil {
		cfg = struct{}{}
	}
	js, err := json.Marshal(map[string]any{
		"loadBalancingConfig": []map[string]any{{balancer: cfg}},
		"healthCheckConfig":   map[string]string{"serviceName": ""},
	})
	if err != nil {
		return "", fmt.Errorf("client: service config for %q: %w", balancer, err)
	}
	return string(js), nil
}

// ejectionOption carries WithEjection and WithoutEjection through Dial's
// grpc.DialOption list; grpc itself ignores it.
type ejectionOption struct {
	grpc.EmptyDialOption
	cfg *balancer.EjectionConfig // nil: off
}

// WithEjection makes Dial use cfg for outlier ejection instead of the
// defaults of balancer.EjectionConfig.
func WithEjection(cfg balancer.EjectionConfig) grpc.DialOption {
	return ejectionOption{cfg: &cfg}
}

// WithoutEjection turns outlier ejection off for a Dial.
func WithoutEjection() grpc.DialOption { return ejectionOption{} }

// balancerConfig is the config Dial gives balancerName: outlier ejection
// for package balancer's policies (on, with defaults, unless opts say
// otherwise), nothing for others.
func balancerConfig(balancerName string, opts []grpc.DialOption) (any, error) {
	ej, explicit := &balancer.EjectionConfig{}, false
	for _, o := range opts {
		if eo, ok := o.(ejectionOption); ok {
			ej, explicit = eo.cfg, true
		}
	}
	if !slices.Contains(balancer.Names, balancerName) {
		if explicit && ej != nil {
			return nil, fmt.Errorf("client: outlier ejection needs a balancer of package balancer, not %q", balancerName)
		}
		return nil, nil
	}
	if ej == nil {
		return nil, nil
	}
	return map[string]any{"ejection": ej}, nil
}

// Dial connects to service through reg, balancing with the balancer
// registered as balancerName, and returns once the connection can serve a
// call (at least one instance ready) or ctx ends. It never waits longer
// than ctx allows, even while the registry is unreachable.
//
// The balancers of package balancer get outlier ejection with the default
// EjectionConfig; WithEjection changes it and WithoutEjection turns it off.
// Calls use plain-text transport unless opts say otherwise; opts come last,
// so they may override the service config too (grpc.WithDefaultServiceConfig,
// which then replaces ejection and health checking as well). An unknown
// balancer name is an error.
func Dial(ctx context.Context, reg registry.Registry, service, balancerName string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	if service == "" {
		return nil, fmt.Errorf("client: dial needs a service name")
	}
	if reg == nil {
		return nil, fmt.Errorf("client: dial %q needs a registry", service)
	}
	cfg, err := balancerConfig(balancerName, opts)
	if err != nil {
		return nil, err
	}
	sc, err := ServiceConfig(balancerName, cfg)
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
