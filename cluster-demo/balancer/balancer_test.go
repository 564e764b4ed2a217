package balancer_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/internal/testcluster"
	"cluster-demo/route"
	"cluster-demo/userpb"
)

// call makes one GetByID call and returns the name of the node that served it.
func call(t *testing.T, ctx context.Context, users userpb.UserServiceClient) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	u, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: 7})
	if err != nil {
		t.Fatalf("GetByID: %v", err)
	}
	return u.GetNode()
}

func spread(t *testing.T, ctx context.Context, users userpb.UserServiceClient, n int) map[string]int {
	t.Helper()
	got := make(map[string]int)
	for i := 0; i < n; i++ {
		got[call(t, ctx, users)]++
	}
	return got
}

func threeNodes(t *testing.T, weights ...int) *testcluster.Cluster {
	t.Helper()
	if len(weights) == 0 {
		weights = []int{1, 1, 1}
	}
	specs := make([]testcluster.Spec, len(weights))
	for i, w := range weights {
		specs[i] = testcluster.Spec{Name: string(rune('a' + i)), Weight: w}
	}
	return testcluster.Start(t, specs...)
}

func TestRoundRobinSpreadsEvenly(t *testing.T) {
	c := threeNodes(t)
	users := userpb.NewUserServiceClient(c.Dial(t, balancer.RoundRobin))
	got := spread(t, context.Background(), users, 300)
	for _, name := range []string{"a", "b", "c"} {
		if got[name] != 100 {
			t.Errorf("node %s got %d calls, want 100 (spread %v)", name, got[name], got)
		}
	}
	// The nodes counted the same calls the replies claim.
	if calls := c.Calls(); calls["a"] != 100 || calls["b"] != 100 || calls["c"] != 100 {
		t.Errorf("server-side counts %v, want 100 each", calls)
	}
}

// sortedNames returns the node names in address order, the order the
// balancers walk.
func sortedNames(c *testcluster.Cluster) []string {
	names := make([]string, 0, len(c.Members))
	for _, m := range c.Members {
		names = append(names, m.Spec.Name)
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if c.Member(names[j]).Addr() < c.Member(names[i]).Addr() {
				names[i], names[j] = names[j], names[i]
			}
		}
	}
	return names
}

func TestSmoothWeightedRoundRobinFollowsNginxSequence(t *testing.T) {
	c := threeNodes(t, 5, 1, 1)
	users := userpb.NewUserServiceClient(c.Dial(t, balancer.WeightedRoundRobin))
	// Nginx's example: weights 5,1,1 give a,a,b,a,c,a,a where b and c are
	// the light nodes in the order the balancer walks them.
	var light []string
	for _, name := range sortedNames(c) {
		if name != "a" {
			light = append(light, name)
		}
	}
	want := []string{"a", "a", light[0], "a", light[1], "a", "a"}
	// The warm-up calls of Dial went through the balancer one node at a
	// time; each of those leaves the current weights as they were, so the
	// sequence starts from the top.
	for round := 0; round < 3; round++ {
		var got []string
		for range want {
			got = append(got, call(t, context.Background(), users))
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("round %d: sequence %v, want %v", round, got, want)
		}
	}
	if got := c.Calls(); got["a"] != 15 || got["b"] != 3 || got["c"] != 3 {
		t.Errorf("counts %v, want a=15 b=3 c=3", got)
	}
}

func TestSmoothWeightedBacksOffFailingNodeAndRecovers(t *testing.T) {
	c := testcluster.Start(t,
		testcluster.Spec{Name: "a", Weight: 4},
		testcluster.Spec{Name: "b", Weight: 4})
	// Ejection would take a out altogether; this test is about the weights.
	users := userpb.NewUserServiceClient(c.Dial(t, balancer.WeightedRoundRobin, client.WithoutEjection()))
	c.Member("a").Node.SetFailure(codes.Unavailable)
	for i := 0; i < 100; i++ {
		users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1}) // a's calls fail on purpose
	}
	// Healthy, a would get 50 of 100; failing, its efficient weight sinks to
	// 1 (never 0), so it gets about 1 in 5 and keeps being probed.
	aCalls := c.Member("a").Node.Calls()
	if aCalls < 10 || aCalls > 30 {
		t.Errorf("failing node got %d of 100 calls, want 10..30", aCalls)
	}
	c.Member("a").Node.SetFailure(codes.OK)
	spread(t, context.Background(), users, 100) // successes raise a's weight back
	got := spread(t, context.Background(), users, 80)
	if got["a"] != 40 || got["b"] != 40 {
		t.Errorf("after recovery spread %v, want a=40 b=40", got)
	}
}

func TestRandomReachesEveryNode(t *testing.T) {
	c := threeNodes(t)
	users := userpb.NewUserServiceClient(c.Dial(t, balancer.Random))
	got := spread(t, context.Background(), users, 600)
	for _, name := range []string{"a", "b", "c"} {
		if got[name] < 120 || got[name] > 280 { // expected 200; far outside 6 sigma
			t.Errorf("node %s got %d of 600 calls, want about 200 (spread %v)", name, got[name], got)
		}
	}
}

func TestWeightedRandomFollowsWeights(t *testing.T) {
	c := threeNodes(t, 5, 1, 1)
	users := userpb.NewUserServiceClient(c.Dial(t, balancer.WeightedRandom))
	got := spread(t, context.Background(), users, 700)
	if got["a"] < 420 || got["a"] > 580 { // expected 500
		t.Errorf("weight-5 node got %d of 700, want about 500 (spread %v)", got["a"], got)
	}
	for _, name := range []string{"b", "c"} {
		if got[name] < 40 || got[name] > 170 { // expected 100
			t.Errorf("weight-1 node %s got %d of 700, want about 100 (spread %v)", name, got[name], got)
		}
	}
}

func TestHashSendsSameKeyToSameNode(t *testing.T) {
	for _, name := range []string{balancer.Hash, balancer.ConsistentHash} {
		t.Run(name, func(t *testing.T) {
			c := threeNodes(t)
			users := userpb.NewUserServiceClient(c.Dial(t, name))
			seen := make(map[string]bool)
			for k := 0; k < 30; k++ {
				ctx := balancer.WithHashKey(context.Background(), fmt.Sprintf("user-%d", k))
				first := call(t, ctx, users)
				for i := 0; i < 5; i++ {
					if got := call(t, ctx, users); got != first {
						t.Fatalf("key user-%d went to %s, then to %s", k, first, got)
					}
				}
				seen[first] = true
			}
			if len(seen) != 3 {
				t.Errorf("30 keys landed on %d nodes, want all 3", len(seen))
			}
		})
	}
}

func TestConsistentHashMovesOnlyKeysOfRemovedNode(t *testing.T) {
	c := threeNodes(t)
	users := userpb.NewUserServiceClient(c.Dial(t, balancer.ConsistentHash))
	const keys = 60
	before := make([]string, keys)
	for k := range before {
		before[k] = call(t, balancer.WithHashKey(context.Background(), fmt.Sprint("k", k)), users)
	}
	if err := c.Member("b").Server.Stop(); err != nil {
		t.Fatal(err)
	}
	// Bounded poll until the balancer has dropped b.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok := true
		for k := range before {
			if before[k] != "b" {
				continue
			}
			u, err := users.GetByID(balancer.WithHashKey(context.Background(), fmt.Sprint("k", k)), &userpb.GetByIDRequest{Id: 1})
			if err != nil || u.GetNode() == "b" {
				ok = false
			}
			break
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("balancer still uses the stopped node after 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	moved := 0
	for k := range before {
		got := call(t, balancer.WithHashKey(context.Background(), fmt.Sprint("k", k)), users)
		if before[k] != "b" && got != before[k] {
			t.Errorf("key k%d moved from %s to %s although its node stayed", k, before[k], got)
		}
		if before[k] == "b" {
			moved++
			if got == "b" {
				t.Errorf("key k%d still on the removed node", k)
			}
		}
	}
	if moved == 0 {
		t.Error("no key was on b; the test proves nothing")
	}
}

func TestLeastActiveAvoidsBusyNodeAcrossPickerRebuild(t *testing.T) {
	c := threeNodes(t)
	cc := c.Dial(t, balancer.LeastActive)
	users := userpb.NewUserServiceClient(cc)

	a := c.Member("a")
	a.Node.SetDelay(time.Minute) // held until we cancel
	slowCtx, cancelSlow := context.WithCancel(context.Background())
	slowDone := make(chan error, 1)
	go func() {
		_, err := users.GetByID(route.WithDirect(slowCtx, a.Addr()), &userpb.GetByIDRequest{Id: 1})
		slowDone <- err
	}()
	testcluster.WaitFor(t, "the slow call on a", func() bool { return a.Node.Active() == 1 })

	// A new node makes base rebuild the picker; a's in-flight count must survive.
	d := c.Add(t, testcluster.Spec{Name: "d"})
	if err := c.WaitMembers(context.Background(), cc, d); err != nil {
		t.Fatal(err)
	}
	c.ResetCounters()
	got := spread(t, context.Background(), users, 30)
	if got["a"] != 0 {
		t.Errorf("busy node a got %d calls, want 0 (spread %v)", got["a"], got)
	}
	for _, name := range []string{"b", "c", "d"} {
		if got[name] != 10 {
			t.Errorf("idle node %s got %d calls, want 10 (spread %v)", name, got[name], got)
		}
	}
	cancelSlow()
	if err := <-slowDone; status.Code(err) != codes.Canceled {
		t.Errorf("slow call ended with %v, want Canceled", err)
	}
	a.Node.SetDelay(0)
	// The Done callback gave a's slot back: it is picked again.
	got = spread(t, context.Background(), users, 40)
	if got["a"] != 10 {
		t.Errorf("after the slow call a got %d of 40 calls, want 10 (spread %v)", got["a"], got)
	}
}

func TestFastestPrefersQuickNodeAndRetriesSlowOneLater(t *testing.T) {
	c := threeNodes(t)
	a := c.Member("a")
	a.Node.SetDelay(100 * time.Millisecond)
	dial := func(halfLife string) userpb.UserServiceClient {
		t.Helper()
		sc, err := client.ServiceConfig(balancer.Fastest, map[string]any{"halfLife": halfLife})
		if err != nil {
			t.Fatal(err)
		}
		// Dial's warm-up calls one node at a time, so each gets one sample:
		// a's is 100ms, b's and c's far less.
		return userpb.NewUserServiceClient(c.Dial(t, balancer.Fastest, grpc.WithDefaultServiceConfig(sc)))
	}

	// With a half-life of an hour a's sample does not fade during the test,
	// however slowly a loaded machine runs it: a gets nothing.
	users := dial("1h")
	spread(t, context.Background(), users, 60)
	if n := a.Node.Calls(); n != 0 {
		t.Errorf("slow node got %d of 60 calls, want 0", n)
	}
	if n := c.Member("b").Node.Calls() + c.Member("c").Node.Calls(); n != 60 {
		t.Errorf("quick nodes got %d of 60 calls, want all", n)
	}

	// With a half-life of 20ms the slow sample fades within a fraction of a
	// second, so a is tried again and, now fast, gets work.
	users = dial("20ms")
	a.Node.SetDelay(0)
	testcluster.WaitFor(t, "a, fast again, to get 5 calls", func() bool {
		call(t, context.Background(), users)
		return a.Node.Calls() >= 5
	})
}

func TestEveryBalancerAppliesRouteFilters(t *testing.T) {
	c := testcluster.Start(t,
		testcluster.Spec{Name: "a", Group: "blue"},
		testcluster.Spec{Name: "b", Group: "green", Weight: 3},
		testcluster.Spec{Name: "c", Group: "green"})
	for _, name := range balancer.Names {
		t.Run(name, func(t *testing.T) {
			users := userpb.NewUserServiceClient(c.Dial(t, name))
			bg := context.Background()
			cases := []struct {
				desc    string
				ctx     context.Context
				allowed string // node names that may serve
			}{
				{"group green", route.WithGroup(bg, "green"), "bc"},
				{"group blue", route.WithGroup(bg, "blue"), "a"},
				{"direct c", route.WithDirect(bg, c.Member("c").Addr()), "c"},
				{"exclude a and b", route.WithExclude(route.WithExclude(bg, c.Member("a").Addr()), c.Member("b").Addr()), "c"},
				{"health", route.WithHealth(bg, unhealthy(c.Member("a").Addr(), c.Member("c").Addr())), "b"},
				{"green without c", route.WithExclude(route.WithGroup(bg, "green"), c.Member("c").Addr()), "b"},
			}
			for _, tc := range cases {
				for i := 0; i < 12; i++ {
					ctx := balancer.WithHashKey(tc.ctx, fmt.Sprint(i))
					if got := call(t, ctx, users); !strings.Contains(tc.allowed, got) {
						t.Errorf("%s: call went to %s, want one of %q", tc.desc, got, tc.allowed)
					}
				}
			}
			fails := []struct {
				desc, msg string
				ctx       context.Context
			}{
				{"unknown group", "group filter", route.WithGroup(bg, "red")},
				{"direct to nowhere", "direct filter", route.WithDirect(bg, "127.0.0.1:1")},
				{"everything excluded", "exclude filter", route.WithExclude(bg, c.Member("a").Addr(), c.Member("b").Addr(), c.Member("c").Addr())},
				{"all unhealthy", "health filter", route.WithHealth(bg, unhealthy(c.Member("a").Addr(), c.Member("b").Addr(), c.Member("c").Addr()))},
			}
			for _, tc := range fails {
				start := time.Now()
				_, err := users.GetByID(tc.ctx, &userpb.GetByIDRequest{Id: 1})
				if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("%s: error %v, want Unavailable naming the %s", tc.desc, err, tc.msg)
				}
				if time.Since(start) > time.Second {
					t.Errorf("%s: took %v, want a fast failure", tc.desc, time.Since(start))
				}
			}
		})
	}
}

func unhealthy(addrs ...string) *route.Health {
	h := route.NewHealth()
	for _, a := range addrs {
		h.MarkUnhealthy(a)
	}
	return h
}

func TestUnknownBalancerConfigFieldIsRejected(t *testing.T) {
	c := threeNodes(t)
	sc, _ := client.ServiceConfig(balancer.ConsistentHash, map[string]any{"virtualNode": 3})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := client.Dial(ctx, c.Registry, testcluster.Service, balancer.ConsistentHash, grpc.WithDefaultServiceConfig(sc))
	if err == nil || !strings.Contains(err.Error(), "virtualNode") {
		t.Fatalf("dial with a misspelt config field: err %v, want one naming the field", err)
	}
}
