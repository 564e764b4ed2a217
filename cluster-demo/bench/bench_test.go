package bench

import (
	"context"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/cluster"
	"cluster-demo/internal/testcluster"
	"cluster-demo/userpb"
)

// impls maps sub-benchmark names to balancer names.
var impls = []struct{ name, balancer string }{
	{"gee-rr", balancer.RoundRobin},
	{"gee-swrr", balancer.WeightedRoundRobin},
	{"gee-random", balancer.Random},
	{"gee-wrandom", balancer.WeightedRandom},
	{"gee-hash", balancer.Hash},
	{"gee-chash", balancer.ConsistentHash},
	{"gee-leastactive", balancer.LeastActive},
	{"gee-fastest", balancer.Fastest},
	{"gee-leastloaded", balancer.LeastLoaded},
	{"round_robin", "round_robin"},
	{"pick_first", "pick_first"},
}

func threeServers(b *testing.B) *testcluster.Cluster {
	return testcluster.Start(b,
		testcluster.Spec{Name: "a", Weight: 3},
		testcluster.Spec{Name: "b", Weight: 2},
		testcluster.Spec{Name: "c", Weight: 1})
}

// dial connects with one balancer and waits until all three servers are
// in use, so every implementation spreads over the same nodes.
func dial(b *testing.B, c *testcluster.Cluster, balancerName string) userpb.UserServiceClient {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cc, err := client.Dial(ctx, c.Registry, testcluster.Service, balancerName)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cc.Close() })
	users := userpb.NewUserServiceClient(cc)
	if balancerName == "pick_first" {
		return users
	}
	// Bounded wait until calls have reached every node (grpc-go's
	// balancers ignore route.WithDirect, so count replies instead).
	seen := map[string]bool{}
	for len(seen) < len(c.Members) {
		u, err := users.GetByID(balancer.WithHashKey(ctx, time.Now().String()), &userpb.GetByIDRequest{Id: 1})
		if err != nil {
			b.Fatalf("%s: %v", balancerName, err)
		}
		seen[u.GetNode()] = true
	}
	return users
}

// BenchmarkUnary is one GetByID call at a time over loopback.
func BenchmarkUnary(b *testing.B) {
	c := threeServers(b)
	for _, impl := range impls {
		users := dial(b, c, impl.balancer)
		ctx := balancer.WithHashKey(context.Background(), "user-42")
		req := &userpb.GetByIDRequest{Id: 42}
		b.Run(impl.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := users.GetByID(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUnaryParallel is GetByID from GOMAXPROCS*4 goroutines sharing one
// connection: where a balancer's locks would show.
func BenchmarkUnaryParallel(b *testing.B) {
	c := threeServers(b)
	for _, impl := range impls {
		users := dial(b, c, impl.balancer)
		b.Run(impl.name, func(b *testing.B) {
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				ctx := balancer.WithHashKey(context.Background(), "user-42")
				req := &userpb.GetByIDRequest{Id: 42}
				for pb.Next() {
					if _, err := users.GetByID(ctx, req); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkBroadcast sends one call to all three servers and waits for every
// reply: through cluster.Broadcaster ("gee-broadcast") and through the loop
// one would write by hand over three cached connections ("fanout").
func BenchmarkBroadcast(b *testing.B) {
	c := threeServers(b)
	ctx := context.Background()
	req := &userpb.GetByIDRequest{Id: 42}

	bc, err := cluster.NewBroadcaster(c.Registry, testcluster.Service)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { bc.Close() })
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cc, err := client.Dial(dctx, c.Registry, testcluster.Service, balancer.RoundRobin,
		grpc.WithChainUnaryInterceptor(bc.UnaryClientInterceptor()))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cc.Close() })
	users := userpb.NewUserServiceClient(cc)
	b.Run("gee-broadcast", func(b *testing.B) {
		for b.Loop() {
			if _, err := users.GetByID(cluster.Broadcast(ctx, cluster.NoReplies()), req); err != nil {
				b.Fatal(err)
			}
		}
	})

	var direct []userpb.UserServiceClient
	for _, m := range c.Members {
		conn, err := grpc.NewClient(m.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		direct = append(direct, userpb.NewUserServiceClient(conn))
	}
	b.Run("fanout", func(b *testing.B) {
		for b.Loop() {
			var wg sync.WaitGroup
			errs := make([]error, len(direct))
			for i, u := range direct {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = u.GetByID(ctx, req)
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
