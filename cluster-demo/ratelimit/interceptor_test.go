package ratelimit

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"cluster-demo/internal/testcluster"
	"cluster-demo/node"
	"cluster-demo/userpb"
)

// limitedServer starts a real gRPC server on loopback whose UserService
// sits behind l (its health service too, which the limiter must leave
// alone), and returns a client plus a counter of calls that reached a
// handler.
func limitedServer(t *testing.T, l Limiter) (userpb.UserServiceClient, *atomic.Int32) {
	t.Helper()
	var reached atomic.Int32
	countUnary := func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		reached.Add(1)
		return h(ctx, req)
	}
	countStream := func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
		reached.Add(1)
		return h(srv, ss)
	}
	srv := grpc.NewServer(
		grpc.ChainUnaryInterceptor(UnaryServerInterceptor(l), countUnary),
		grpc.ChainStreamInterceptor(StreamServerInterceptor(l), countStream),
	)
	userpb.RegisterUserServiceServer(srv, node.New("n"))
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	healthConn = conn
	return userpb.NewUserServiceClient(conn), &reached
}

// healthConn is the connection of the latest limitedServer, for checking
// that the health service behind it is not limited.
var healthConn *grpc.ClientConn

// burst makes n sequential calls and counts the outcomes. Every rejection
// must be ResourceExhausted naming the limiter.
func burst(t *testing.T, c userpb.UserServiceClient, l Limiter, n int) (passed int) {
	t.Helper()
	for range n {
		_, err := c.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
		if err == nil {
			passed++
			continue
		}
		st := status.Convert(err)
		if st.Code() != codes.ResourceExhausted || !strings.Contains(st.Message(), l.Name()) {
			t.Fatalf("rejected call: got %v, want ResourceExhausted naming %q", err, l.Name())
		}
	}
	return passed
}

func TestUnaryInterceptorCountsRealCallsPerWindow(t *testing.T) {
	type limiterCase struct {
		name       string
		make       func(Clock) (Limiter, error)
		first      int           // calls of a burst of 10 that pass at once
		advance    time.Duration // then the clock moves this far
		afterwards int           // and this many of another burst of 10 pass
	}
	cases := []limiterCase{
		{"token bucket", func(c Clock) (Limiter, error) { return NewTokenBucket(4, time.Second, WithClock(c)) }, 4, 2 * time.Second, 2},
		{"fixed window", func(c Clock) (Limiter, error) { return NewFixedWindow(4, time.Second, WithClock(c)) }, 4, time.Second, 4},
		{"sliding window", func(c Clock) (Limiter, error) { return NewSlidingWindow(4, time.Second, WithClock(c)) }, 4, time.Second, 4},
		{"leaky bucket without queue", func(c Clock) (Limiter, error) { return NewLeakyBucket(1, time.Second, WithClock(c)) }, 1, 3 * time.Second, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := NewManualClock(epoch)
			l, err := tc.make(clk)
			if err != nil {
				t.Fatal(err)
			}
			c, reached := limitedServer(t, l)
			if got := burst(t, c, l, 10); got != tc.first {
				t.Fatalf("first burst: %d of 10 passed, want %d", got, tc.first)
			}
			clk.Advance(tc.advance)
			if got := burst(t, c, l, 10); got != tc.afterwards {
				t.Fatalf("burst after %v: %d of 10 passed, want %d", tc.advance, got, tc.afterwards)
			}
			if got, want := int(reached.Load()), tc.first+tc.afterwards; got != want {
				t.Fatalf("%d calls reached the handler, want %d: rejected calls must not", got, want)
			}
		})
	}
}

func TestUnaryInterceptorLeakyBucketQueuesRealCalls(t *testing.T) {
	clk := NewManualClock(epoch)
	l, _ := NewLeakyBucket(3, time.Second, WithClock(clk))
	c, reached := limitedServer(t, l)

	var passed, rejected atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := c.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
			switch status.Code(err) {
			case codes.OK:
				passed.Add(1)
			case codes.ResourceExhausted:
				rejected.Add(1)
			default:
				t.Errorf("unexpected error %v", err)
			}
		})
	}
	// One call goes out at once, two wait on the clock, five are turned away.
	testcluster.WaitFor(t, "the burst to be sorted", func() bool {
		return passed.Load() == 1 && rejected.Load() == 5 && clk.Waiters() == 2
	})
	clk.Advance(time.Second)
	testcluster.WaitFor(t, "the second call", func() bool { return passed.Load() == 2 })
	clk.Advance(time.Second)
	wg.Wait()
	if passed.Load() != 3 || rejected.Load() != 5 || reached.Load() != 3 {
		t.Fatalf("passed %d, rejected %d, reached handler %d; want 3, 5, 3", passed.Load(), rejected.Load(), reached.Load())
	}
}

func TestStreamInterceptorLimitsStreamsOpened(t *testing.T) {
	clk := NewManualClock(epoch)
	l, _ := NewTokenBucket(2, time.Second, WithClock(clk))
	c, reached := limitedServer(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var codesSeen []codes.Code
	for range 3 {
		stream, err := c.ListUsers(ctx, &userpb.ListUsersRequest{FirstId: 1, Count: 1})
		if err != nil {
			t.Fatal(err)
		}
		_, err = stream.Recv() // an accepted stream sends its one user
		codesSeen = append(codesSeen, status.Code(err))
		if err != nil && !strings.Contains(status.Convert(err).Message(), l.Name()) {
			t.Fatalf("rejection %v does not name the limiter", err)
		}
	}
	want := []codes.Code{codes.OK, codes.OK, codes.ResourceExhausted}
	for i := range want {
		if codesSeen[i] != want[i] {
			t.Fatalf("streams got %v, want %v", codesSeen, want)
		}
	}
	if reached.Load() != 2 {
		t.Fatalf("%d streams reached the handler, want 2", reached.Load())
	}
}

func TestInterceptorsLeaveGRPCsOwnServicesAlone(t *testing.T) {
	clk := NewManualClock(epoch)
	l, _ := NewTokenBucket(1, time.Second, WithClock(clk))
	c, reached := limitedServer(t, l)
	health := healthpb.NewHealthClient(healthConn)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for range 5 { // health watch streams, one per client connection in real life
		stream, err := health.Watch(ctx, &healthpb.HealthCheckRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := stream.Recv(); err != nil {
			t.Fatalf("health watch behind a limiter of 1: %v", err)
		}
	}
	for range 5 {
		if _, err := health.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
			t.Fatalf("health check behind a limiter of 1: %v", err)
		}
	}
	if n := reached.Load(); n != 10 {
		t.Fatalf("%d of 10 health calls reached the handler", n)
	}
	// The one permit is still there for the service itself.
	if got := burst(t, c, l, 3); got != 1 || reached.Load() != 11 {
		t.Fatalf("after the health checks %d of 3 calls passed (%d in all reached a handler), want the 1 permit unused until then", got, reached.Load())
	}
}

func TestInterceptorWithoutLimiterFailsLoudly(t *testing.T) {
	c, reached := limitedServer(t, nil)
	_, err := c.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
	if status.Code(err) != codes.Internal || !strings.Contains(err.Error(), "no limiter") {
		t.Fatalf("got %v, want Internal naming the missing limiter", err)
	}
	if reached.Load() != 0 {
		t.Fatal("call reached the handler without a limiter")
	}
}
