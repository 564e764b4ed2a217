package cluster

import (
	"context"
	"net"
	"slices"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"cluster-demo/route"
	"cluster-demo/userpb"
)

// scriptedInvoker plays the part of gRPC below the interceptor: attempt i
// answers errs[i] from node addrs[i] ("" for no node), and records the
// addresses each attempt was told to exclude.
type scriptedInvoker struct {
	errs     []error
	addrs    []string
	excluded [][]string
}

func (s *scriptedInvoker) invoke(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, opts ...grpc.CallOption) error {
	i := len(s.excluded)
	s.excluded = append(s.excluded, route.Excluded(ctx))
	if s.addrs[i] != "" {
		for _, o := range opts {
			if p, ok := o.(grpc.PeerCallOption); ok {
				addr, _ := net.ResolveTCPAddr("tcp", s.addrs[i])
				*p.PeerAddr = peer.Peer{Addr: addr}
			}
		}
	}
	return s.errs[i]
}

func TestFailoverRetriesNonIdempotentCallThatReachedNoNode(t *testing.T) {
	unavailable := status.Error(codes.Unavailable, "no ready node")
	inv := &scriptedInvoker{errs: []error{unavailable, nil}, addrs: []string{"", "127.0.0.1:2"}}
	f, _ := NewFailover(WithBackoff(0, 0))
	err := f.intercept(context.Background(), "/svc.S/Write", &userpb.GetByIDRequest{}, &userpb.User{}, nil, inv.invoke)
	if err != nil || len(inv.excluded) != 2 {
		t.Fatalf("got %v after %d attempts; a call that reached no node is safe to retry", err, len(inv.excluded))
	}
}

func TestFailoverExcludesEveryNodeTriedSoFar(t *testing.T) {
	unavailable := status.Error(codes.Unavailable, "going away")
	inv := &scriptedInvoker{
		errs:  []error{unavailable, unavailable, unavailable, nil},
		addrs: []string{"127.0.0.1:1", "127.0.0.1:2", "", "127.0.0.1:3"},
	}
	f, _ := NewFailover(WithIdempotent("/svc.S/Read"), WithMaxAttempts(4), WithBackoff(0, 0))
	reply := &userpb.User{}
	if err := f.intercept(context.Background(), "/svc.S/Read", &userpb.GetByIDRequest{}, reply, nil, inv.invoke); err != nil {
		t.Fatal(err)
	}
	want := [][]string{nil, {"127.0.0.1:1"}, {"127.0.0.1:1", "127.0.0.1:2"}, {"127.0.0.1:1", "127.0.0.1:2"}}
	if !slices.EqualFunc(inv.excluded, want, slices.Equal[[]string]) {
		t.Fatalf("attempts excluded %v, want %v", inv.excluded, want)
	}
}

func TestFailoverResetsReplyBetweenAttempts(t *testing.T) {
	inv := &scriptedInvoker{errs: []error{status.Error(codes.Unavailable, "x"), nil}, addrs: []string{"127.0.0.1:1", "127.0.0.1:2"}}
	f, _ := NewFailover(WithIdempotent("/svc.S/Read"), WithBackoff(0, 0))
	reply := &userpb.User{Name: "left by a failed attempt"}
	if err := f.intercept(context.Background(), "/svc.S/Read", &userpb.GetByIDRequest{}, reply, nil, inv.invoke); err != nil {
		t.Fatal(err)
	}
	if reply.GetName() != "" {
		t.Fatalf("reply kept %q from the failed attempt", reply.GetName())
	}
}
