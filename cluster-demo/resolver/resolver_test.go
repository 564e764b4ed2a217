package resolver_test

import (
	"context"
	"errors"
	"net/url"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	grpcresolver "google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"

	"cluster-demo/internal/testcluster"
	"cluster-demo/registry"
	"cluster-demo/resolver"
	"cluster-demo/userpb"
)

func TestAddressesCarryWeightAndGroup(t *testing.T) {
	addrs := resolver.Addresses([]registry.ServiceInstance{
		{Name: "user", Addr: "a:1", Weight: 5, Group: "blue"},
		{Name: "user", Addr: "b:1", Weight: 1},
	})
	if len(addrs) != 2 || addrs[0].Addr != "a:1" || addrs[1].Addr != "b:1" {
		t.Fatalf("addresses %v", addrs)
	}
	if w, g := resolver.WeightOf(addrs[0]), resolver.GroupOf(addrs[0]); w != 5 || g != "blue" {
		t.Errorf("a:1 weight %d group %q, want 5 blue", w, g)
	}
	if w, g := resolver.WeightOf(addrs[1]), resolver.GroupOf(addrs[1]); w != 1 || g != "" {
		t.Errorf("b:1 weight %d group %q, want 1 and no group", w, g)
	}
	// An address from elsewhere has no attributes: defaults, no panic.
	if w, g := resolver.WeightOf(grpcresolver.Address{Addr: "x:1"}), resolver.GroupOf(grpcresolver.Address{Addr: "x:1"}); w != 1 || g != "" {
		t.Errorf("bare address weight %d group %q", w, g)
	}
}

// recordingConn is a resolver.ClientConn that hands every state to a channel.
type recordingConn struct {
	grpcresolver.ClientConn
	states chan grpcresolver.State
	errs   chan error
}

func (r *recordingConn) UpdateState(s grpcresolver.State) error { r.states <- s; return nil }

// ReportError keeps the errors the buffer has room for and drops the rest:
// a resolver that retries reports many.
func (r *recordingConn) ReportError(err error) {
	select {
	case r.errs <- err:
	default:
	}
}
func (r *recordingConn) ParseServiceConfig(string) *serviceconfig.ParseResult {
	return &serviceconfig.ParseResult{}
}

func next(t *testing.T, rc *recordingConn) string {
	t.Helper()
	select {
	case s := <-rc.states:
		var out []string
		for _, a := range s.Addresses {
			out = append(out, a.Addr)
		}
		return strings.Join(out, ",")
	case <-time.After(5 * time.Second):
		t.Fatal("no state within 5s")
		return ""
	}
}

func build(t *testing.T, reg registry.Registry, target string, rc grpcresolver.ClientConn) (grpcresolver.Resolver, error) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	return resolver.NewBuilder(reg).Build(grpcresolver.Target{URL: *u}, rc, grpcresolver.BuildOptions{})
}

func TestResolverFollowsEveryRegistryChange(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	ctx := context.Background()
	reg.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "a:1"})
	rc := &recordingConn{states: make(chan grpcresolver.State, 10), errs: make(chan error, 1)}
	r, err := build(t, reg, resolver.Target("user"), rc)
	if err != nil {
		t.Fatal(err)
	}
	if got := next(t, rc); got != "a:1" {
		t.Fatalf("initial state %q", got)
	}
	reg.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "b:1"})
	if got := next(t, rc); got != "a:1,b:1" {
		t.Fatalf("after register %q", got)
	}
	reg.Unregister(ctx, registry.ServiceInstance{Name: "user", Addr: "a:1"})
	if got := next(t, rc); got != "b:1" {
		t.Fatalf("after unregister %q", got)
	}
	reg.Unregister(ctx, registry.ServiceInstance{Name: "user", Addr: "b:1"})
	if got := next(t, rc); got != "" {
		t.Fatalf("after the last one left %q, want no addresses", got)
	}
	r.Close()
	select {
	case err := <-rc.errs:
		t.Fatalf("Close reported %v", err)
	default:
	}
}

func TestResolverReportsClosedRegistry(t *testing.T) {
	reg := registry.NewMemory()
	rc := &recordingConn{states: make(chan grpcresolver.State, 10), errs: make(chan error, 1)}
	r, err := build(t, reg, resolver.Target("user"), rc)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	next(t, rc)
	reg.Close()
	select {
	case err := <-rc.errs:
		if !strings.Contains(err.Error(), "subscription") {
			t.Fatalf("error %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("closing the registry went unreported")
	}
}

func TestBuilderWithoutRegistryIsAnError(t *testing.T) {
	if _, err := build(t, nil, resolver.Target("user"), &recordingConn{}); err == nil || !strings.Contains(err.Error(), "no registry") {
		t.Fatalf("err %v, want one saying there is no registry", err)
	}
}

func TestTargetWithoutServiceIsAnError(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	_, err := build(t, reg, "registry:///", &recordingConn{})
	if err == nil || !strings.Contains(err.Error(), "names no service") {
		t.Fatalf("err %v, want one saying the target names no service", err)
	}
}

func TestNewClientReachesServersAddedLater(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "a"})
	cc, err := grpc.NewClient(resolver.Target(testcluster.Service),
		grpc.WithResolvers(resolver.NewBuilder(c.Registry)),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(`{"loadBalancingConfig":[{"round_robin":{}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	users := userpb.NewUserServiceClient(cc)
	c.Add(t, testcluster.Spec{Name: "b"})
	deadline := time.Now().Add(10 * time.Second)
	seen := map[string]bool{}
	for !seen["b"] {
		u, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
		if err != nil {
			t.Fatal(err)
		}
		seen[u.GetNode()] = true
		if time.Now().After(deadline) {
			t.Fatal("server added to the registry never got a call")
		}
	}
	c.Member("a").Server.GracefulStop(context.Background())
	// Bounded poll until a is gone from the balancer, then it stays gone.
	for {
		u, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
		if err == nil && u.GetNode() == "b" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("unregistered server still used")
		}
	}
	for i := 0; i < 10; i++ {
		u, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
		if err != nil || u.GetNode() != "b" {
			t.Fatalf("after a left: %v %v", u, err)
		}
	}
}

// stuckRegistry's Subscribe waits until its context ends, as a registry
// whose server does not answer would.
type stuckRegistry struct {
	registry.Registry
	entered, left chan struct{}
}

func (s *stuckRegistry) Subscribe(ctx context.Context, _ string) (<-chan []registry.ServiceInstance, error) {
	s.entered <- struct{}{}
	<-ctx.Done()
	s.left <- struct{}{}
	return nil, ctx.Err()
}

// Regression: Build subscribed synchronously, so a client started while
// etcd was down blocked in grpc.NewClient's first call or in Dial, past
// every deadline.
func TestBuildDoesNotWaitForAnUnreachableRegistry(t *testing.T) {
	base := runtime.NumGoroutine()
	reg := &stuckRegistry{entered: make(chan struct{}, 1), left: make(chan struct{}, 1)}
	rc := &recordingConn{states: make(chan grpcresolver.State, 1), errs: make(chan error, 1)}
	built := make(chan grpcresolver.Resolver, 1)
	go func() {
		r, err := build(t, reg, resolver.Target("user"), rc)
		if err != nil {
			t.Error(err)
		}
		built <- r
	}()
	var r grpcresolver.Resolver
	select {
	case r = <-built:
	case <-time.After(5 * time.Second):
		t.Fatal("Build waited for a registry that does not answer")
	}
	<-reg.entered // the subscription is tried in the background
	r.Close()     // and Close ends it
	select {
	case <-reg.left:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the pending subscription")
	}
	testcluster.SettleGoroutines(t, base)
}

// flakyRegistry fails Subscribe a number of times, then works.
type flakyRegistry struct {
	*registry.Memory
	failures atomic.Int32
}

func (f *flakyRegistry) Subscribe(ctx context.Context, service string) (<-chan []registry.ServiceInstance, error) {
	if f.failures.Add(-1) >= 0 {
		return nil, errors.New("etcd: no answer")
	}
	return f.Memory.Subscribe(ctx, service)
}

func TestResolverReportsRegistryErrorsAndRetries(t *testing.T) {
	reg := &flakyRegistry{Memory: registry.NewMemory()}
	defer reg.Close()
	reg.failures.Store(2)
	reg.Register(context.Background(), registry.ServiceInstance{Name: "user", Addr: "a:1"})
	rc := &recordingConn{states: make(chan grpcresolver.State, 10), errs: make(chan error, 10)}
	r, err := build(t, reg, resolver.Target("user"), rc)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := next(t, rc); got != "a:1" {
		t.Fatalf("state after the registry came back: %q", got)
	}
	if n := len(rc.errs); n != 2 {
		t.Fatalf("%d errors reported, want one per failed attempt (2)", n)
	}
	if err := <-rc.errs; !strings.Contains(err.Error(), "no answer") || !strings.Contains(err.Error(), `"user"`) {
		t.Fatalf("reported %v, want the registry's error naming the service", err)
	}
}
