package client_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/internal/testcluster"
	"cluster-demo/registry"
	"cluster-demo/resolver"
	"cluster-demo/userpb"
)

func TestServiceConfig(t *testing.T) {
	sc, err := client.ServiceConfig("gee_fastest", map[string]string{"halfLife": "1s"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"healthCheckConfig":{"serviceName":""},"loadBalancingConfig":[{"gee_fastest":{"halfLife":"1s"}}]}`; sc != want {
		t.Fatalf("got %s, want %s", sc, want)
	}
	if _, err := client.ServiceConfig("x", func() {}); err == nil {
		t.Fatal("a config that cannot be JSON was accepted")
	}
}

func TestDialWithOursAndGRPCsBalancers(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "a"}, testcluster.Spec{Name: "b"})
	for _, name := range []string{balancer.RoundRobin, "round_robin", "pick_first"} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cc, err := client.Dial(ctx, c.Registry, testcluster.Service, name)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		u, err := userpb.NewUserServiceClient(cc).GetByID(context.Background(), &userpb.GetByIDRequest{Id: 3})
		if err != nil || u.GetId() != 3 {
			t.Errorf("%s: %v %v", name, u, err)
		}
		cc.Close()
	}
}

func TestDialRejectsUnknownBalancer(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	_, err := client.Dial(context.Background(), reg, "user", "no_such_balancer")
	if err == nil || !strings.Contains(err.Error(), "no_such_balancer") {
		t.Fatalf("err %v, want one naming the balancer", err)
	}
	if _, err := client.Dial(context.Background(), reg, "", balancer.RoundRobin); err == nil {
		t.Fatal("empty service name accepted")
	}
	if _, err := client.Dial(context.Background(), nil, "user", balancer.RoundRobin); err == nil || !strings.Contains(err.Error(), "registry") {
		t.Fatalf("nil registry: %v, want an error naming the registry", err)
	}
}

func TestDialGivesUpWhenNoInstanceAppears(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := client.Dial(ctx, reg, "user", balancer.RoundRobin)
	if err == nil || !strings.Contains(err.Error(), "not ready") {
		t.Fatalf("err %v, want not ready", err)
	}
}

func ExampleDial() {
	reg := registry.NewMemory()
	defer reg.Close()
	// ... servers register themselves in reg (package server) ...
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	cc, err := client.Dial(ctx, reg, "user", balancer.WeightedRoundRobin)
	if err != nil {
		fmt.Println("no instance of user yet")
		return
	}
	defer cc.Close()
	// Output: no instance of user yet
}

// Dial turns on client-side health checking: a server that reports
// NOT_SERVING leaves the picker while it stays registered, and comes back
// when it serves again.
func TestNotServingNodeLeavesThePicker(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "a"}, testcluster.Spec{Name: "b"})
	users := userpb.NewUserServiceClient(c.Dial(t, balancer.RoundRobin))
	b := c.Member("b").Server
	b.SetServing(false)
	// Bounded: the health watch delivers NOT_SERVING within moments.
	waitForSpread(t, users, func(got map[string]int) bool { return got["b"] == 0 && got["a"] == 20 })
	b.SetServing(true)
	waitForSpread(t, users, func(got map[string]int) bool { return got["a"] == 10 && got["b"] == 10 })
}

// waitForSpread makes rounds of 20 calls, every one of which must succeed,
// until ok likes a round's spread, for at most 10 seconds.
func waitForSpread(t *testing.T, users userpb.UserServiceClient, ok func(map[string]int) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := map[string]int{}
		for range 20 {
			u, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
			if err != nil {
				t.Fatal(err)
			}
			got[u.GetNode()]++
		}
		if ok(got) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("spread still %v after 10s", got)
		}
	}
}

func TestDialOptionsForEjection(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := client.Dial(ctx, reg, "user", "round_robin", client.WithEjection(balancer.EjectionConfig{}))
	if err == nil || !strings.Contains(err.Error(), "ejection") {
		t.Fatalf("ejection asked of grpc-go's round_robin: %v, want an error naming ejection", err)
	}
	// A bad setting fails the Dial at once, naming it.
	_, err = client.Dial(ctx, reg, "user", balancer.RoundRobin, client.WithEjection(balancer.EjectionConfig{MaxEjectionPercent: 400}))
	if err == nil || !strings.Contains(err.Error(), "maxEjectionPercent") {
		t.Fatalf("bad ejection config: %v, want an error naming the field", err)
	}
}

// hungRegistry never answers: Subscribe and List wait for their contexts.
type hungRegistry struct{ registry.Registry }

func (hungRegistry) Subscribe(ctx context.Context, _ string) (<-chan []registry.ServiceInstance, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// Regression: with etcd down, a 3 s Dial and a 2 s call were both still
// blocked after 20 s.
func TestDialAndCallsHonourTheirDeadlinesWhileTheRegistryHangs(t *testing.T) {
	base := runtime.NumGoroutine()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err := client.Dial(ctx, hungRegistry{}, "user", balancer.RoundRobin)
	cancel()
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("Dial with a 200ms deadline: %v after %v", err, time.Since(start))
	}
	// A connection made without waiting fails its calls at their deadline.
	cc, err := grpc.NewClient(resolver.Target("user"), grpc.WithResolvers(resolver.NewBuilder(hungRegistry{})),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	ctx, cancel = context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err = userpb.NewUserServiceClient(cc).GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
	cancel()
	if status.Code(err) != codes.DeadlineExceeded || time.Since(start) > 5*time.Second {
		t.Fatalf("call with a 200ms deadline: %v after %v", err, time.Since(start))
	}
	cc.Close()
	testcluster.SettleGoroutines(t, base)
}
