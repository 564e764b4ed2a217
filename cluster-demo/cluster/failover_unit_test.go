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
	picked   []string // if set, the registered address the "balancer" records
	excluded [][]string
}

func (s *scriptedInvoker) invoke(ctx context.Context, _ string, _, _ any, _ *grpc.ClientConn, opts ...grpc.CallOption) error {
	i := len(s.excluded)
	s.excluded = append(s.excluded, route.Excluded(ctx))
	if i < len(s.picked) && s.picked[i] != "" {
		// What a picker of package balancer does.
		if _, rec, _ := route.FilterForPick(ctx, []route.Node{{Addr: s.picked[i]}}); rec != nil {
			rec.Record(s.picked[i])
		}
	}
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

// A node whose connection broke after the pick never got the request (no
// peer), so even a call that is not idempotent may be retried; the retry
// must still avoid that node, known by its registered address.
func TestFailoverExcludesAPickedNodeTheCallNeverReached(t *testing.T) {
	inv := &scriptedInvoker{
		errs:   []error{status.Error(codes.Unavailable, "connection refused"), nil},
		addrs:  []string{"", "127.0.0.1:2"},
		picked: []string{"node-1.example:80", "node-2.example:80"},
	}
	var attempts []Attempt
	f, _ := NewFailover(WithBackoff(0, 0), WithObserver(func(a Attempt) { attempts = append(attempts, a) }))
	if err := f.intercept(context.Background(), "/svc.S/Write", &userpb.GetByIDRequest{}, &userpb.User{}, nil, inv.invoke); err != nil {
		t.Fatal(err)
	}
	want := [][]string{nil, {"node-1.example:80"}}
	if !slices.EqualFunc(inv.excluded, want, slices.Equal[[]string]) {
		t.Fatalf("attempts excluded %v, want %v", inv.excluded, want)
	}
	if attempts[0].Addr != "" || attempts[1].Addr != "node-2.example:80" {
		t.Fatalf("attempt addresses %q and %q, want none (not reached) and node-2's registered one", attempts[0].Addr, attempts[1].Addr)
	}
}
