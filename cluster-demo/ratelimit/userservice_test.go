package ratelimit_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cluster-demo/balancer"
	"cluster-demo/internal/testcluster"
	"cluster-demo/ratelimit"
	"cluster-demo/userpb"
)

// TestLimiterInFrontOfUserServiceNode puts each limiter in front of a real
// UserService node and counts, on the node itself, the calls that reached
// the handler.
func TestLimiterInFrontOfUserServiceNode(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		make func(ratelimit.Clock) (ratelimit.Limiter, error)
	}{
		{"token bucket", func(c ratelimit.Clock) (ratelimit.Limiter, error) {
			return ratelimit.NewTokenBucket(4, time.Second, ratelimit.WithClock(c))
		}},
		{"fixed window", func(c ratelimit.Clock) (ratelimit.Limiter, error) {
			return ratelimit.NewFixedWindow(4, time.Second, ratelimit.WithClock(c))
		}},
		{"sliding window", func(c ratelimit.Clock) (ratelimit.Limiter, error) {
			return ratelimit.NewSlidingWindow(4, time.Second, ratelimit.WithClock(c))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := ratelimit.NewManualClock(start)
			l, err := tc.make(clk)
			if err != nil {
				t.Fatal(err)
			}
			c := testcluster.Start(t, testcluster.Spec{Name: "limited", Server: []grpc.ServerOption{
				grpc.ChainUnaryInterceptor(ratelimit.UnaryServerInterceptor(l)),
			}})
			cc := c.Dial(t, balancer.RoundRobin) // its readiness probe takes a permit
			clk.Advance(time.Hour)               // so start from a fresh period
			users := userpb.NewUserServiceClient(cc)
			passed := 0
			for i := range 10 {
				u, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: int64(i + 1)})
				switch {
				case err == nil && u.GetNode() == "limited":
					passed++
				case status.Code(err) == codes.ResourceExhausted && strings.Contains(err.Error(), l.Name()):
				default:
					t.Fatalf("call %d: %v, %v", i, u, err)
				}
			}
			if calls := c.Member("limited").Node.Calls(); passed != 4 || calls != 4 {
				t.Fatalf("%d calls passed and %d reached the node, want 4 and 4", passed, calls)
			}
		})
	}
}
