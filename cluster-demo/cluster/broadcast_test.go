package cluster

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	"cluster-demo/balancer"
	"cluster-demo/internal/testcluster"
	"cluster-demo/registry"
	"cluster-demo/route"
	"cluster-demo/userpb"
)

// connCounter counts the connections a server accepts and closes.
type connCounter struct{ opened, closed atomic.Int32 }

func (c *connCounter) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (c *connCounter) HandleRPC(context.Context, stats.RPCStats)                       {}
func (c *connCounter) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}
func (c *connCounter) HandleConn(_ context.Context, s stats.ConnStats) {
	switch s.(type) {
	case *stats.ConnBegin:
		c.opened.Add(1)
	case *stats.ConnEnd:
		c.closed.Add(1)
	}
}

// broadcastCluster starts one node per spec, a Broadcaster on their
// registry and a round-robin client with the broadcaster installed.
func broadcastCluster(t *testing.T, specs ...testcluster.Spec) (*testcluster.Cluster, *Broadcaster, userpb.UserServiceClient) {
	t.Helper()
	c := testcluster.Start(t, specs...)
	bc, err := NewBroadcaster(c.Registry, testcluster.Service)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bc.Close() })
	cc := c.Dial(t, balancer.RoundRobin, grpc.WithChainUnaryInterceptor(bc.UnaryClientInterceptor()))
	return c, bc, userpb.NewUserServiceClient(cc)
}

func abc() []testcluster.Spec {
	return []testcluster.Spec{{Name: "a"}, {Name: "b"}, {Name: "c"}}
}

// collect reads ch until it is closed, failing the test after 10s.
func collect(t *testing.T, ch <-chan Reply) []Reply {
	t.Helper()
	var out []Reply
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r, ok := <-ch:
			if !ok {
				return out
			}
			out = append(out, r)
		case <-timeout:
			t.Fatalf("reply channel not closed; got %d replies", len(out))
		}
	}
}

// nodesOf returns the node names in replies, sorted, failing on errors.
func nodesOf(t *testing.T, replies []Reply) []string {
	t.Helper()
	var names []string
	for _, r := range replies {
		if r.Err != nil {
			t.Fatalf("node %s failed: %v", r.Addr, r.Err)
		}
		names = append(names, r.Reply.(*userpb.User).GetNode())
	}
	slices.Sort(names)
	return names
}

func TestBroadcastAllRepliesComeFromEveryNode(t *testing.T) {
	c, _, users := broadcastCluster(t, abc()...)
	all := AllReplies()
	out, err := users.GetByID(Broadcast(context.Background(), all), &userpb.GetByIDRequest{Id: 7})
	if err != nil {
		t.Fatal(err)
	}
	if out.GetNode() != "" {
		t.Fatalf("the call's own reply was filled by %q; AllReplies leaves it empty", out.GetNode())
	}
	got := collect(t, all.C())
	if names := nodesOf(t, got); !slices.Equal(names, []string{"a", "b", "c"}) {
		t.Fatalf("replies from %v, want a, b, c", names)
	}
	seen := map[*userpb.User]bool{}
	for _, r := range got {
		u := r.Reply.(*userpb.User)
		if seen[u] || u.GetId() != 7 || c.NameOf(r.Addr) != u.GetNode() {
			t.Fatalf("reply %+v: shared message, wrong id, or address not the node's", r)
		}
		seen[u] = true
	}
	for _, m := range c.Members {
		if m.Node.Calls() != 1 {
			t.Fatalf("node %s got %d calls, want 1", m.Spec.Name, m.Node.Calls())
		}
	}
}

func TestMulticastCallsOnlyTheGroup(t *testing.T) {
	c, _, users := broadcastCluster(t,
		testcluster.Spec{Name: "a1", Group: "A"}, testcluster.Spec{Name: "b1", Group: "B"},
		testcluster.Spec{Name: "b2", Group: "B"})
	all := AllReplies()
	if _, err := users.GetByID(Multicast(context.Background(), "B", all), &userpb.GetByIDRequest{Id: 1}); err != nil {
		t.Fatal(err)
	}
	if names := nodesOf(t, collect(t, all.C())); !slices.Equal(names, []string{"b1", "b2"}) {
		t.Fatalf("multicast to B reached %v", names)
	}
	if calls := c.Member("a1").Node.Calls(); calls != 0 {
		t.Fatalf("group A node got %d calls", calls)
	}
}

func TestBroadcastSkipsNodesTheRouteFiltersDrop(t *testing.T) {
	c, _, users := broadcastCluster(t, abc()...)
	h := route.NewHealth()
	h.MarkUnhealthy(c.Member("b").Addr())
	all := AllReplies()
	ctx := Broadcast(route.WithHealth(context.Background(), h), all)
	if _, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: 1}); err != nil {
		t.Fatal(err)
	}
	if names := nodesOf(t, collect(t, all.C())); !slices.Equal(names, []string{"a", "c"}) {
		t.Fatalf("broadcast reached %v, want a and c (b unhealthy)", names)
	}
}

func TestBroadcastFirstReplyTakesTheFastestAndCancelsTheRest(t *testing.T) {
	c, _, users := broadcastCluster(t, abc()...)
	// Warm the cached connections so the baseline includes them.
	if _, err := users.GetByID(Broadcast(context.Background(), NoReplies()), &userpb.GetByIDRequest{Id: 1}); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	c.Member("a").Node.SetDelay(time.Hour)
	c.Member("c").Node.SetDelay(time.Hour)
	u, err := users.GetByID(Broadcast(context.Background(), FirstReply()), &userpb.GetByIDRequest{Id: 3})
	if err != nil {
		t.Fatal(err)
	}
	if u.GetNode() != "b" || u.GetId() != 3 {
		t.Fatalf("first reply from %q id %d, want b with 3", u.GetNode(), u.GetId())
	}
	// The slow calls must be cancelled, on the client and on the servers.
	testcluster.SettleGoroutines(t, base)
	for _, m := range c.Members {
		if m.Node.Active() != 0 {
			t.Fatalf("node %s still has %d calls running", m.Spec.Name, m.Node.Active())
		}
	}
}

func TestBroadcastFirstReplyFailsOnlyWhenEveryNodeFails(t *testing.T) {
	c, _, users := broadcastCluster(t, abc()...)
	c.Member("a").Node.SetFailure(codes.Unavailable)
	c.Member("b").Node.SetFailure(codes.Unavailable)
	u, err := users.GetByID(Broadcast(context.Background(), FirstReply()), &userpb.GetByIDRequest{Id: 1})
	if err != nil || u.GetNode() != "c" {
		t.Fatalf("got %q, %v; want c's reply", u.GetNode(), err)
	}
	c.Member("c").Node.SetFailure(codes.Unavailable)
	_, err = users.GetByID(Broadcast(context.Background(), FirstReply()), &userpb.GetByIDRequest{Id: 1})
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "every node failed") {
		t.Fatalf("got %v, want Unavailable saying every node failed", err)
	}
}

func TestBroadcastNoRepliesWaitsForEveryNodeAndReportsFailures(t *testing.T) {
	c, _, users := broadcastCluster(t, abc()...)
	if _, err := users.GetByID(Broadcast(context.Background(), NoReplies()), &userpb.GetByIDRequest{Id: 1}); err != nil {
		t.Fatal(err)
	}
	for _, m := range c.Members {
		if m.Node.Calls() != 1 {
			t.Fatalf("node %s got %d calls before the call returned, want 1", m.Spec.Name, m.Node.Calls())
		}
	}
	c.Member("b").Node.SetFailure(codes.Internal)
	_, err := users.GetByID(Broadcast(context.Background(), NoReplies()), &userpb.GetByIDRequest{Id: 1})
	msg := status.Convert(err).Message()
	if status.Code(err) != codes.Internal || !strings.Contains(msg, "1 of 3 nodes failed") || !strings.Contains(msg, c.Member("b").Addr()) {
		t.Fatalf("got %v, want Internal naming b's address", err)
	}
}

// warmGoroutineBaseline makes one broadcast, so the cached connections and
// their goroutines exist, and returns the goroutine count to come back to.
func warmGoroutineBaseline(t *testing.T, users userpb.UserServiceClient) int {
	t.Helper()
	warm := AllReplies()
	if _, err := users.GetByID(Broadcast(context.Background(), warm), &userpb.GetByIDRequest{Id: 1}); err != nil {
		t.Fatal(err)
	}
	collect(t, warm.C())
	return runtime.NumGoroutine()
}

func TestBroadcastAllRepliesDoesNotLeakWhenCallerStopsReading(t *testing.T) {
	c, _, users := broadcastCluster(t, abc()...)
	base := warmGoroutineBaseline(t, users)

	// Read nothing, then read one reply of three, and walk away without
	// cancelling anything: the contexts never end.
	for read := range 2 {
		all := AllReplies()
		if _, err := users.GetByID(Broadcast(context.Background(), all), &userpb.GetByIDRequest{Id: 2}); err != nil {
			t.Fatal(err)
		}
		for range read {
			if r := <-all.C(); r.Err != nil {
				t.Fatal(r.Err)
			}
		}
	}
	// Every node answered both calls and no goroutine is left waiting to
	// hand over a reply nobody reads.
	testcluster.SettleGoroutines(t, base)
	for _, m := range c.Members {
		if n := m.Node.Calls(); n != 3 {
			t.Fatalf("node %s got %d calls, want 3", m.Spec.Name, n)
		}
	}
}

// Cancelling the context after the call returned takes nothing back; the
// deadline still bounds a node that never answers.
func TestBroadcastAllRepliesSlowCallsEndAtTheDeadlineNotOnCancel(t *testing.T) {
	c, _, users := broadcastCluster(t, abc()...)
	base := warmGoroutineBaseline(t, users)

	c.Member("c").Node.SetDelay(time.Hour) // one node never answers on its own
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	all := AllReplies()
	if _, err := users.GetByID(Broadcast(ctx, all), &userpb.GetByIDRequest{Id: 1}); err != nil {
		t.Fatal(err)
	}
	cancel() // right after the call returned
	start := time.Now()
	replies := collect(t, all.C())
	testcluster.SettleGoroutines(t, base)
	byNode := map[string]codes.Code{}
	for _, r := range replies {
		byNode[c.NameOf(r.Addr)] = status.Code(r.Err)
	}
	if len(replies) != 3 || byNode["a"] != codes.OK || byNode["b"] != codes.OK || byNode["c"] != codes.DeadlineExceeded {
		t.Fatalf("replies by node %v, want a and b OK, c DeadlineExceeded", byNode)
	}
	if n := c.Member("c").Node.Calls(); n != 2 { // the warm-up's and this one
		t.Fatalf("the slow node got %d requests, want 2", n)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("the last reply came %v after the call, want about the 500ms deadline", waited)
	}
}

// Regression: AllReplies returned before any request was out, so
// cancelling the context right after the call cancelled all 600 of 600
// node calls. Now every node gets the request, however many there are.
func TestBroadcastAllRepliesIsNotTakenBackByCancellingAfterItReturns(t *testing.T) {
	const nodes = 40
	var specs []testcluster.Spec
	for i := range nodes {
		specs = append(specs, testcluster.Spec{Name: fmt.Sprint("n", i)})
	}
	c, _, users := broadcastCluster(t, specs...)
	for round := 1; round <= 3; round++ {
		ctx, cancel := context.WithCancel(context.Background())
		all := AllReplies()
		_, err := users.GetByID(Broadcast(ctx, all), &userpb.GetByIDRequest{Id: int64(round)})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		if names := nodesOf(t, collect(t, all.C())); len(names) != nodes {
			t.Fatalf("round %d: %d replies, want %d", round, len(names), nodes)
		}
		for _, m := range c.Members {
			if n := m.Node.Calls(); n != int64(round) {
				t.Fatalf("round %d: node %s got %d calls, want %d", round, m.Spec.Name, n, round)
			}
		}
	}
}

func TestBroadcastAllRepliesWithACancelledContextSendsNothing(t *testing.T) {
	c, _, users := broadcastCluster(t, abc()...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	all := AllReplies()
	_, err := users.GetByID(Broadcast(ctx, all), &userpb.GetByIDRequest{Id: 1})
	if status.Code(err) != codes.Canceled {
		t.Fatalf("broadcast with a cancelled context: %v, want Canceled", err)
	}
	for _, r := range collect(t, all.C()) {
		if status.Code(r.Err) != codes.Canceled {
			t.Fatalf("reply %+v, want Canceled", r)
		}
	}
	for _, m := range c.Members {
		if n := m.Node.Calls(); n != 0 {
			t.Fatalf("node %s got %d calls from a cancelled broadcast", m.Spec.Name, n)
		}
	}
}

func TestBroadcastReusesOneConnectionPerNodeAndCloseClosesThem(t *testing.T) {
	counters := []*connCounter{{}, {}, {}}
	var specs []testcluster.Spec
	for i, name := range []string{"a", "b", "c"} {
		specs = append(specs, testcluster.Spec{Name: name, Server: []grpc.ServerOption{grpc.StatsHandler(counters[i])}})
	}
	_, bc, users := broadcastCluster(t, specs...)
	// The client connection of Dial is one per node already.
	for range 5 {
		if _, err := users.GetByID(Broadcast(context.Background(), NoReplies()), &userpb.GetByIDRequest{Id: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for i, cnt := range counters {
		if cnt.opened.Load() != 2 {
			t.Fatalf("node %d accepted %d connections for 5 broadcasts, want 2 (client + broadcaster)", i, cnt.opened.Load())
		}
	}
	if err := bc.Close(); err != nil {
		t.Fatal(err)
	}
	for i, cnt := range counters {
		testcluster.WaitFor(t, fmt.Sprintf("node %d to see the broadcaster's connection closed", i), func() bool { return cnt.closed.Load() == 1 })
	}
	_, err := users.GetByID(Broadcast(context.Background(), NoReplies()), &userpb.GetByIDRequest{Id: 1})
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("broadcast after Close: got %v, want FailedPrecondition", err)
	}
}

func TestBroadcastDropsConnectionsOfNodesThatLeft(t *testing.T) {
	c, bc, users := broadcastCluster(t, abc()...)
	broadcast := func() {
		t.Helper()
		if _, err := users.GetByID(Broadcast(context.Background(), NoReplies()), &userpb.GetByIDRequest{Id: 1}); err != nil {
			t.Fatal(err)
		}
	}
	broadcast()
	if n := len(bc.cachedAddrs()); n != 3 {
		t.Fatalf("%d cached connections, want 3", n)
	}
	gone := c.Member("b").Addr()
	if err := c.Member("b").Server.Stop(); err != nil { // unregisters
		t.Fatal(err)
	}
	// The new list reaches the broadcaster moments later.
	testcluster.WaitFor(t, "the broadcaster to drop b's connection", func() bool {
		addrs := bc.cachedAddrs()
		return len(addrs) == 2 && !slices.Contains(addrs, gone)
	})
	broadcast()
	if n := c.Member("b").Node.Calls(); n != 1 {
		t.Fatalf("b got %d broadcasts, want only the one before it left", n)
	}
}

// brokenRegistry gives one list, then its subscription ends and every
// later Subscribe fails, as a registry whose server went away does.
type brokenRegistry struct {
	registry.Registry
	subscribed atomic.Bool
}

func (b *brokenRegistry) Subscribe(ctx context.Context, service string) (<-chan []registry.ServiceInstance, error) {
	if b.subscribed.Swap(true) {
		return nil, errors.New("etcd: no answer")
	}
	list, err := b.Registry.List(ctx, service)
	if err != nil {
		return nil, err
	}
	ch := make(chan []registry.ServiceInstance, 1)
	ch <- list
	close(ch)
	return ch, nil
}

// Regression: broadcast listed the registry on every call, so it failed
// while etcd was down although ordinary calls kept working.
func TestBroadcastUsesTheLastListWhenTheRegistryCannotAnswer(t *testing.T) {
	c := testcluster.Start(t, abc()...)
	bc, err := NewBroadcaster(&brokenRegistry{Registry: c.Registry}, testcluster.Service)
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	cc := c.Dial(t, balancer.RoundRobin, grpc.WithChainUnaryInterceptor(bc.UnaryClientInterceptor()))
	users := userpb.NewUserServiceClient(cc)
	for round := int64(1); round <= 3; round++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := users.GetByID(Broadcast(ctx, NoReplies()), &userpb.GetByIDRequest{Id: 1})
		cancel()
		if err != nil {
			t.Fatalf("round %d with the registry gone: %v", round, err)
		}
		for _, m := range c.Members {
			if m.Node.Calls() != round {
				t.Fatalf("round %d: node %s got %d calls", round, m.Spec.Name, m.Node.Calls())
			}
		}
	}
}

// hungRegistry never answers a subscription.
type hungRegistry struct{ registry.Registry }

func (hungRegistry) Subscribe(ctx context.Context, _ string) (<-chan []registry.ServiceInstance, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestBroadcastBeforeAnyListFailsAtItsDeadlineAndCloseLeavesNothing(t *testing.T) {
	base := runtime.NumGoroutine()
	bc, err := NewBroadcaster(hungRegistry{}, "user")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = bc.targets(ctx, &userpb.User{})
	if status.Code(err) != codes.DeadlineExceeded || time.Since(start) > 5*time.Second {
		t.Fatalf("broadcast before any list: %v after %v, want DeadlineExceeded at the deadline", err, time.Since(start))
	}
	if err := bc.Close(); err != nil {
		t.Fatal(err)
	}
	testcluster.SettleGoroutines(t, base)
}

func TestCallWithoutBroadcastMarkGoesToOneNode(t *testing.T) {
	c, _, users := broadcastCluster(t, abc()...)
	if _, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1}); err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, m := range c.Members {
		total += m.Node.Calls()
	}
	if total != 1 {
		t.Fatalf("an unmarked call reached %d nodes, want 1", total)
	}
}

func TestBroadcastRejectsBadUse(t *testing.T) {
	_, _, users := broadcastCluster(t, abc()...)
	req := &userpb.GetByIDRequest{Id: 1}

	// No node in the group: Unavailable naming the filter, channel closed.
	all := AllReplies()
	_, err := users.GetByID(Multicast(context.Background(), "nope", all), req)
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), `group "nope"`) {
		t.Fatalf("multicast to an empty group: got %v", err)
	}
	if got := collect(t, all.C()); len(got) != 0 {
		t.Fatalf("got %d replies from an empty group", len(got))
	}

	// An AllReplies strategy serves one call.
	all = AllReplies()
	if _, err := users.GetByID(Broadcast(context.Background(), all), req); err != nil {
		t.Fatal(err)
	}
	_, err = users.GetByID(Broadcast(context.Background(), all), req)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "one call") {
		t.Fatalf("reused AllReplies: got %v", err)
	}
	if n := len(collect(t, all.C())); n != 3 {
		t.Fatalf("first call delivered %d replies, want 3", n)
	}

	// A nil strategy is a mistake, not a silent normal call.
	_, err = users.GetByID(Broadcast(context.Background(), nil), req)
	if status.Code(err) != codes.InvalidArgument {
		t.Fatalf("nil strategy: got %v", err)
	}
}

func TestNewBroadcasterRejectsBadArguments(t *testing.T) {
	c := testcluster.Start(t)
	if _, err := NewBroadcaster(nil, "user"); err == nil || !strings.HasPrefix(err.Error(), "cluster: ") {
		t.Fatalf("nil registry: got %v", err)
	}
	if _, err := NewBroadcaster(c.Registry, ""); err == nil || !strings.HasPrefix(err.Error(), "cluster: ") {
		t.Fatalf("empty service: got %v", err)
	}
}

func TestBroadcastStripsCallOptionsThatWriteBack(t *testing.T) {
	_, _, users := broadcastCluster(t, abc()...)
	// With the options passed on, the three calls would race on p and md
	// (the race detector catches it).
	var p grpcPeer
	var md grpcMD
	_, err := users.GetByID(Broadcast(context.Background(), NoReplies()), &userpb.GetByIDRequest{Id: 1},
		grpc.Peer(&p), grpc.Header(&md))
	if err != nil {
		t.Fatal(err)
	}
	if p.Addr != nil || md != nil {
		t.Fatalf("a broadcast wrote peer %v / header %v back", p.Addr, md)
	}
}

type (
	grpcPeer = peer.Peer
	grpcMD   = metadata.MD
)

// TestBroadcastFirstReplyDoesNotReadCallersReplyConcurrently is the
// regression test for a data race: node goroutines made their reply
// messages from the caller's reply while the first answer was being copied
// into it. Many quick rounds give the race detector its chance.
func TestBroadcastFirstReplyDoesNotReadCallersReplyConcurrently(t *testing.T) {
	_, _, users := broadcastCluster(t, testcluster.Spec{Name: "a"}, testcluster.Spec{Name: "b"},
		testcluster.Spec{Name: "c"}, testcluster.Spec{Name: "d"}, testcluster.Spec{Name: "e"})
	for i := range 40 {
		u, err := users.GetByID(Broadcast(context.Background(), FirstReply()), &userpb.GetByIDRequest{Id: int64(i + 1)})
		if err != nil || u.GetId() != int64(i+1) {
			t.Fatalf("round %d: %v, %v", i, u, err)
		}
	}
}
