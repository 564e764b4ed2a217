package balancer_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/cluster"
	"cluster-demo/internal/testcluster"
	"cluster-demo/node"
	"cluster-demo/userpb"
)

// keyed is a context carrying a hash key that differs per call, so the
// hash balancers spread calls like the others.
func keyed(i int) context.Context {
	return balancer.WithHashKey(context.Background(), fmt.Sprint("key-", i))
}

// Every balancer leaves a node that answers Unavailable out after a few
// calls, probes it once its ejection time is up and takes it back once it
// answers again.
func TestUnavailableNodeIsEjectedAndReadmittedForEveryBalancer(t *testing.T) {
	const (
		threshold = 3
		base      = 300 * time.Millisecond
	)
	for _, name := range balancer.Names {
		t.Run(name, func(t *testing.T) {
			c := threeNodes(t)
			sc, err := client.ServiceConfig(name, map[string]any{
				"halfLife": "100ms", // gee_fastest and gee_least_loaded forget quickly
				"ejection": balancer.EjectionConfig{ConsecutiveFailures: threshold, FailureRatePercent: -1, BaseEjectionTime: balancer.Duration(base)},
			})
			if err != nil {
				t.Fatal(err)
			}
			users := userpb.NewUserServiceClient(c.Dial(t, name, grpc.WithDefaultServiceConfig(sc)))
			b := c.Member("b").Node
			b.SetFailure(codes.Unavailable)

			// Bounded: within 300 calls b has failed `threshold` times in a
			// row (or the balancer itself stopped sending it calls).
			for i := 0; i < 300 && b.Failed() < threshold; i++ {
				users.GetByID(keyed(i), &userpb.GetByIDRequest{Id: 1})
			}
			if n := b.Calls(); n > threshold {
				t.Fatalf("b took %d failing calls, want at most %d before it is left out", n, threshold)
			}
			before, start := b.Calls(), time.Now()
			for i := range 30 {
				users.GetByID(keyed(i), &userpb.GetByIDRequest{Id: 1})
			}
			// Only probes may reach b now: one per ejection time at most.
			if got, probes := b.Calls()-before, 1+int64(time.Since(start)/base); got > probes {
				t.Fatalf("ejected b got %d of 30 calls in %v, want at most %d probes", got, time.Since(start), probes)
			}

			b.SetFailure(codes.OK)
			deadline := time.Now().Add(10 * time.Second)
			for i := 0; ; i++ {
				u, err := users.GetByID(keyed(i), &userpb.GetByIDRequest{Id: 1})
				if err == nil && u.GetNode() == "b" {
					break // a probe got through: b is back
				}
				if time.Now().After(deadline) {
					t.Fatal("b never got a call again after it recovered")
				}
			}
			got := spread(t, context.Background(), users, 60)
			// gee_fastest sends one caller's calls to whichever node is
			// quickest now, so b is only sure of the first: back in with
			// no latency history, it is tried before the others.
			want := 3
			if name == balancer.Fastest {
				want = 1
			}
			if got["b"] < want {
				t.Fatalf("after re-admission b got %d of 60 calls, want at least %d (spread %v)", got["b"], want, got)
			}
		})
	}
}

func TestWithoutEjectionAFailingNodeKeepsItsShare(t *testing.T) {
	c := threeNodes(t)
	users := userpb.NewUserServiceClient(c.Dial(t, balancer.RoundRobin, client.WithoutEjection()))
	c.Member("b").Node.SetFailure(codes.Unavailable)
	failed := 0
	for range 90 {
		if _, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1}); err != nil {
			failed++
		}
	}
	if failed != 30 {
		t.Fatalf("%d of 90 calls failed, want b's 30: without ejection it keeps its share", failed)
	}
}

// A node that hangs (SIGSTOP: the connection stays open, nothing is
// answered) must not keep its share. Per-attempt timeouts turn each of its
// calls into a DeadlineExceeded that failover retries elsewhere; ejection
// then stops sending it calls at all, and takes it back once it answers.
func TestHungNodeIsEjectedAndLosesItsShare(t *testing.T) {
	for _, name := range []string{balancer.RoundRobin, balancer.WeightedRoundRobin, balancer.Random} {
		t.Run(name, func(t *testing.T) {
			c := threeNodes(t)
			var timeouts atomic.Int64
			fo, err := cluster.NewFailover(
				cluster.WithIdempotent(userpb.UserService_GetByID_FullMethodName),
				cluster.WithPerAttemptTimeout(100*time.Millisecond),
				cluster.WithBackoff(0, 0),
				cluster.WithObserver(func(a cluster.Attempt) {
					if status.Code(a.Err) == codes.DeadlineExceeded {
						timeouts.Add(1)
					}
				}))
			if err != nil {
				t.Fatal(err)
			}
			users := userpb.NewUserServiceClient(c.Dial(t, name,
				client.WithEjection(balancer.EjectionConfig{ConsecutiveFailures: 3, BaseEjectionTime: balancer.Duration(200 * time.Millisecond)}),
				grpc.WithChainUnaryInterceptor(fo.UnaryClientInterceptor())))
			c.Member("b").Freeze()

			start := time.Now()
			got := spread(t, context.Background(), users, 60) // every call must succeed
			elapsed := time.Since(start)
			// Three timeouts eject b; after that only probes (one per
			// ejection time, each longer than the last) reach it.
			if n, limit := timeouts.Load(), 3+1+int64(elapsed/(200*time.Millisecond)); n > limit {
				t.Fatalf("%d attempts timed out on the hung node in %v, want at most %d", n, elapsed, limit)
			}
			if got["b"] != 0 {
				t.Fatalf("the hung node answered %d calls", got["b"])
			}

			c.Member("b").Thaw()
			deadline := time.Now().Add(10 * time.Second)
			for !(spread(t, context.Background(), users, 10)["b"] > 0) {
				if time.Now().After(deadline) {
					t.Fatal("b was not taken back within 10s after it thawed")
				}
			}
		})
	}
}

// gee_least_loaded reads the load every server reports in its trailers;
// a slow server has calls piling up, reports them, and gets a small share.
func TestLeastLoadedGivesASlowServerASmallShare(t *testing.T) {
	c := testcluster.Start(t,
		testcluster.Spec{Name: "a"},
		testcluster.Spec{Name: "b"},
		testcluster.Spec{Name: "slow", Node: []node.Option{node.WithDelay(20 * time.Millisecond)}})
	users := userpb.NewUserServiceClient(c.Dial(t, balancer.LeastLoaded))
	const calls, workers = 400, 8
	got := concurrentSpread(t, users, calls, workers)
	t.Logf("spread over %d calls from %d callers: %v", calls, workers, got)
	// Round robin would give it a third. Quiet runs give it 5-10 %; on a
	// busy machine the fast servers slow down too and it gets up to 11 %.
	if share := float64(got["slow"]) / calls; share > 0.15 {
		t.Fatalf("slow server got %d of %d calls (%.0f %%), want at most 15 %%, under half of round robin's third (spread %v)", got["slow"], calls, 100*share, got)
	}
	if got["a"] < calls/4 || got["b"] < calls/4 {
		t.Fatalf("the fast servers should share the rest: spread %v", got)
	}
}

// concurrentSpread makes calls from workers goroutines and counts replies
// per node; every call must succeed.
func concurrentSpread(t *testing.T, users userpb.UserServiceClient, calls, workers int) map[string]int {
	t.Helper()
	var mu sync.Mutex
	got := map[string]int{}
	next := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for i := range next {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				u, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: int64(i + 1)})
				cancel()
				if err != nil {
					errs <- err
					for range next { // drain so the sender is not stuck
					}
					return
				}
				mu.Lock()
				got[u.GetNode()]++
				mu.Unlock()
			}
		})
	}
	for i := range calls {
		next <- i
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	return got
}
