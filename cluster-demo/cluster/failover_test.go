package cluster

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/internal/testcluster"
	"cluster-demo/node"
	"cluster-demo/ratelimit"
	"cluster-demo/registry"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

const getByID = userpb.UserService_GetByID_FullMethodName

// attemptLog records the attempts a Failover reports.
type attemptLog struct {
	mu       sync.Mutex
	attempts []Attempt
}

func (l *attemptLog) observe(a Attempt) {
	l.mu.Lock()
	l.attempts = append(l.attempts, a)
	l.mu.Unlock()
}

func (l *attemptLog) take() []Attempt {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.attempts
	l.attempts = nil
	return out
}

// failoverCluster starts nodes a, b, c and dials them round robin through
// a Failover built from opts. It returns the cluster, a client and the
// attempt log.
func failoverCluster(t *testing.T, opts ...FailoverOption) (*testcluster.Cluster, userpb.UserServiceClient, *attemptLog) {
	t.Helper()
	c := testcluster.Start(t, testcluster.Spec{Name: "a"}, testcluster.Spec{Name: "b"}, testcluster.Spec{Name: "c"})
	log := &attemptLog{}
	fo, err := NewFailover(append([]FailoverOption{WithBackoff(0, 0), WithObserver(log.observe)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	cc := c.Dial(t, balancer.RoundRobin, grpc.WithChainUnaryInterceptor(fo.UnaryClientInterceptor()))
	log.take() // forget the readiness probes
	return c, userpb.NewUserServiceClient(cc), log
}

func TestFailoverRetriesIdempotentCallOnNodesNotTried(t *testing.T) {
	c, users, log := failoverCluster(t, WithIdempotent(getByID), WithMaxAttempts(3))
	c.Member("a").Node.SetFailure(codes.Unavailable)
	c.Member("b").Node.SetFailure(codes.Unavailable)
	for i := range 12 {
		u, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: int64(i + 1)})
		if err != nil {
			t.Fatalf("call %d failed: %v", i, err)
		}
		if u.GetNode() != "c" || u.GetId() != int64(i+1) {
			t.Fatalf("call %d answered by %q with id %d, want c with %d", i, u.GetNode(), u.GetId(), i+1)
		}
		attempts := log.take()
		var addrs []string
		for _, a := range attempts {
			if slices.Contains(addrs, a.Addr) {
				t.Fatalf("call %d tried %s twice: %+v", i, a.Addr, attempts)
			}
			addrs = append(addrs, a.Addr)
		}
		if len(attempts) > 3 {
			t.Fatalf("call %d made %d attempts, max is 3", i, len(attempts))
		}
	}
	// Round robin puts a or b first in most calls, so most calls were retried.
	if failed := c.Member("a").Node.Failed() + c.Member("b").Node.Failed(); failed < 8 {
		t.Fatalf("the failing nodes saw only %d calls; failover was not exercised", failed)
	}
}

func TestFailoverDoesNotRetryNonIdempotentCallANodeReceived(t *testing.T) {
	c, users, log := failoverCluster(t) // GetByID not marked idempotent
	c.Member("a").Node.SetFailure(codes.Unavailable)
	var failures int
	for i := range 9 {
		_, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: int64(i + 1)})
		if attempts := log.take(); len(attempts) != 1 {
			t.Fatalf("call %d made %d attempts; a node had the request, so it must not be retried", i, len(attempts))
		}
		if err != nil {
			failures++
			if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "node a") {
				t.Fatalf("got %v, want node a's Unavailable as is", err)
			}
		}
	}
	if failures != 3 || c.Member("a").Node.Calls() != 3 {
		t.Fatalf("%d failures and %d calls on a, want 3 and 3 (round robin over 3 nodes)", failures, c.Member("a").Node.Calls())
	}
}

func TestFailoverNeverRetriesTheSameNode(t *testing.T) {
	c, users, log := failoverCluster(t, WithIdempotent(getByID), WithMaxAttempts(10))
	for _, m := range c.Members {
		m.Node.SetFailure(codes.Unavailable)
	}
	_, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "gave up after 4 attempts") {
		t.Fatalf("got %v, want Unavailable after 3 nodes and the refused 4th attempt", err)
	}
	if !strings.Contains(err.Error(), "failing on purpose") {
		t.Fatalf("error %q should carry the last node's message, not the router's", err)
	}
	for _, m := range c.Members {
		if m.Node.Calls() != 1 {
			t.Fatalf("node %s got %d calls, want exactly 1", m.Spec.Name, m.Node.Calls())
		}
	}
	if n := len(log.take()); n != 4 {
		t.Fatalf("observed %d attempts, want 4", n)
	}
}

func TestFailoverDoesNotRetryCodesThatAreNotSafe(t *testing.T) {
	c, users, log := failoverCluster(t, WithIdempotent(getByID))
	// InvalidArgument: the request is wrong; another node would say the same.
	_, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 0})
	if status.Code(err) != codes.InvalidArgument || len(log.take()) != 1 {
		t.Fatalf("got %v; want InvalidArgument after exactly one attempt", err)
	}
	// Internal is not in the default retry set either.
	c.Member("a").Node.SetFailure(codes.Internal)
	c.Member("b").Node.SetFailure(codes.Internal)
	c.Member("c").Node.SetFailure(codes.Internal)
	_, err = users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
	if status.Code(err) != codes.Internal || len(log.take()) != 1 {
		t.Fatalf("got %v; want Internal after exactly one attempt", err)
	}
}

func TestFailoverBacksOffExponentiallyUpToTheCap(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "a"}, testcluster.Spec{Name: "b"},
		testcluster.Spec{Name: "c"}, testcluster.Spec{Name: "d"}, testcluster.Spec{Name: "e"})
	log := &attemptLog{}
	fo, _ := NewFailover(WithIdempotent(getByID), WithMaxAttempts(5),
		WithBackoff(time.Millisecond, 3*time.Millisecond), WithObserver(log.observe))
	cc := c.Dial(t, balancer.RoundRobin, grpc.WithChainUnaryInterceptor(fo.UnaryClientInterceptor()))
	log.take()
	for _, m := range c.Members {
		m.Node.SetFailure(codes.Unavailable)
	}
	_, err := userpb.NewUserServiceClient(cc).GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
	if err == nil {
		t.Fatal("call succeeded on a cluster of failing nodes")
	}
	var backoffs []time.Duration
	for _, a := range log.take() {
		backoffs = append(backoffs, a.Backoff)
	}
	want := []time.Duration{time.Millisecond, 2 * time.Millisecond, 3 * time.Millisecond, 3 * time.Millisecond, 0}
	if !slices.Equal(backoffs, want) {
		t.Fatalf("backoffs %v, want %v", backoffs, want)
	}
}

func TestFailoverStopsWaitingWhenContextEnds(t *testing.T) {
	c, _, _ := failoverCluster(t)
	fo, _ := NewFailover(WithIdempotent(getByID), WithBackoff(time.Hour, time.Hour))
	cc := c.Dial(t, balancer.RoundRobin, grpc.WithChainUnaryInterceptor(fo.UnaryClientInterceptor()))
	c.Member("a").Node.SetFailure(codes.Unavailable)
	c.Member("b").Node.SetFailure(codes.Unavailable)
	c.Member("c").Node.SetFailure(codes.Unavailable)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := userpb.NewUserServiceClient(cc).GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("got %v, want DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Fatalf("call returned after %v; the backoff ignored the context", elapsed)
	}
}

func TestFailoverPerAttemptTimeoutMovesPastHungNode(t *testing.T) {
	c, users, _ := failoverCluster(t, WithIdempotent(getByID), WithPerAttemptTimeout(100*time.Millisecond))
	c.Member("a").Node.SetDelay(time.Hour)
	for i := range 6 {
		u, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
		if err != nil || u.GetNode() == "a" {
			t.Fatalf("call %d: %v from %q; want an answer from b or c", i, err, u.GetNode())
		}
	}
}

func TestFailoverSurvivesNodeKilledMidRun(t *testing.T) {
	c, users, log := failoverCluster(t, WithIdempotent(getByID), WithMaxAttempts(3))
	for _, m := range c.Members {
		m.Node.SetDelay(2 * time.Millisecond) // keep calls in flight when the node dies
	}
	victim := c.Member("b")
	var wg sync.WaitGroup
	errs := make(chan error, 300)
	for w := range 6 {
		wg.Go(func() {
			for i := range 50 {
				if w == 0 && i == 20 {
					victim.Server.Kill() // a crash: still listed in the registry
				}
				if _, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: int64(i + 1)}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call failed although two nodes stayed up: %v", err)
	}
	if victim.Node.Calls() == 0 {
		t.Fatal("the killed node never served; the test proved nothing")
	}
	retried := 0
	for _, a := range log.take() {
		if a.Retry {
			retried++
		}
	}
	t.Logf("%d attempts were retried on another node", retried)
}

func TestNewFailoverRejectsBadOptions(t *testing.T) {
	cases := map[string]FailoverOption{
		"zero attempts":        WithMaxAttempts(0),
		"negative backoff":     WithBackoff(-time.Second, time.Second),
		"max below initial":    WithBackoff(time.Second, time.Millisecond),
		"negative timeout":     WithPerAttemptTimeout(-1),
		"short method name":    WithIdempotent("GetByID"),
		"OK is not a failure":  WithRetryCodes(codes.OK),
		"method without slash": WithIdempotent("/user.UserService.GetByID"),
	}
	for name, opt := range cases {
		t.Run(name, func(t *testing.T) {
			f, err := NewFailover(opt)
			if err == nil || !strings.HasPrefix(err.Error(), "cluster: ") {
				t.Fatalf("got %v, %v; want a cluster error", f, err)
			}
		})
	}
}

func TestFailFastMakesOneAttempt(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "a"}, testcluster.Spec{Name: "b"})
	cc := c.Dial(t, balancer.RoundRobin, grpc.WithChainUnaryInterceptor(FailFast()))
	c.Member("a").Node.SetFailure(codes.Unavailable)
	users := userpb.NewUserServiceClient(cc)
	var failed int
	for range 4 {
		if _, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1}); err != nil {
			failed++
			if status.Code(err) != codes.Unavailable {
				t.Fatalf("got %v, want the node's Unavailable", err)
			}
		}
	}
	if failed != 2 || c.Member("a").Node.Calls() != 2 {
		t.Fatalf("%d failed calls, %d calls on a; want 2 and 2: no retries", failed, c.Member("a").Node.Calls())
	}
}

func TestFailFastFailsAtOnceWhenNoNodeIsReady(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "a"})
	cc := c.Dial(t, balancer.RoundRobin, grpc.WithChainUnaryInterceptor(FailFast()))
	c.Member("a").Server.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The first calls after the kill may still find the dying connection;
	// soon every call must fail with Unavailable instead of waiting.
	for {
		_, err := userpb.NewUserServiceClient(cc).GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatal("calls waited for a node instead of failing fast")
		}
		if status.Code(err) == codes.Unavailable {
			return
		}
	}
}

func TestFailoverMovesRateLimitedIdempotentCallToAnotherNode(t *testing.T) {
	// Node a lets one call per hour through: Dial's readiness probe uses it,
	// so a rejects every call of the test with ResourceExhausted.
	limiter, err := ratelimit.NewFixedWindow(1, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c := testcluster.Start(t,
		testcluster.Spec{Name: "a", Server: []grpc.ServerOption{grpc.ChainUnaryInterceptor(ratelimit.UnaryServerInterceptor(limiter))}},
		testcluster.Spec{Name: "b"})
	for _, idempotent := range []bool{true, false} {
		var opts []FailoverOption
		if idempotent {
			opts = append(opts, WithIdempotent(getByID))
		}
		fo, _ := NewFailover(append(opts, WithBackoff(0, 0))...)
		users := userpb.NewUserServiceClient(c.Dial(t, balancer.RoundRobin, grpc.WithChainUnaryInterceptor(fo.UnaryClientInterceptor())))
		rejected := 0
		for range 6 {
			u, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
			switch {
			case err == nil && u.GetNode() == "b":
			case status.Code(err) == codes.ResourceExhausted:
				rejected++
			default:
				t.Fatalf("idempotent=%v: got %v, %v", idempotent, u, err)
			}
		}
		if idempotent && rejected != 0 {
			t.Fatalf("%d idempotent calls were rejected; failover should move them to b", rejected)
		}
		if !idempotent && rejected != 3 {
			t.Fatalf("%d non-idempotent calls were rejected, want 3 (every call a got, unretried)", rejected)
		}
	}
}

// Regression: failover learned the tried node from grpc.Peer, the IP:port
// the connection went to, and excluded that. A registry holding host names
// ("localhost:port", a DNS name in a cluster) never matched it, so retries
// landed on nodes already tried. The balancer now records the registered
// address it picked.
func TestFailoverNeverRetriesTheSameNodeRegisteredByHostName(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	var nodes []*node.Node
	for _, name := range []string{"a", "b", "c"} {
		lis, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(lis.Addr().String())
		s := server.New(reg, testcluster.Service, server.WithAdvertiseAddr("localhost:"+port))
		n := node.New(name, node.WithFailure(codes.Unavailable))
		userpb.RegisterUserServiceServer(s.GRPC(), n)
		if err := s.Serve(context.Background(), lis); err != nil {
			t.Fatal(err)
		}
		defer s.Stop()
		nodes = append(nodes, n)
	}
	log := &attemptLog{}
	fo, err := NewFailover(WithIdempotent(getByID), WithMaxAttempts(10), WithBackoff(0, 0), WithObserver(log.observe))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cc, err := client.Dial(ctx, reg, testcluster.Service, balancer.RoundRobin, grpc.WithChainUnaryInterceptor(fo.UnaryClientInterceptor()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	users := userpb.NewUserServiceClient(cc)
	// Dial returns once one node is ready; wait (bounded) until all three
	// answer, each with its failure, so that every node is a candidate.
	for answered := map[string]bool{}; len(answered) < 3; {
		_, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
		for _, n := range nodes {
			if n.Calls() > 0 {
				answered[n.Name()] = true
			}
		}
		if ctx.Err() != nil {
			t.Fatalf("not every node answered: %v", err)
		}
	}
	for _, n := range nodes {
		n.ResetCounters()
	}
	log.take()

	_, err = users.GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
	if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), "failing on purpose") {
		t.Fatalf("got %v, want the last node's Unavailable", err)
	}
	for _, n := range nodes {
		if n.Calls() != 1 {
			t.Fatalf("node %s got %d calls, want exactly 1 (attempts %+v)", n.Name(), n.Calls(), log.take())
		}
	}
	for _, a := range log.take() {
		if a.Addr != "" && !strings.HasPrefix(a.Addr, "localhost:") {
			t.Fatalf("attempt reports node %q, want its registered localhost address", a.Addr)
		}
	}
}
