// Package node implements the demo UserService. Every reply names the node,
// and knobs (a failure code, a delay) let tests and demos make a node slow
// or broken while it runs; counters tell how many calls it served.
package node

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cluster-demo/userpb"
)

// MaxListCount bounds ListUsersRequest.Count.
const MaxListCount = 1000

// Node is one UserService server. It is safe for concurrent use; the knobs
// may be changed while calls are running.
type Node struct {
	userpb.UnimplementedUserServiceServer

	name string

	mu       sync.Mutex
	failCode codes.Code
	delay    time.Duration

	calls  atomic.Int64 // calls received, failed ones included
	failed atomic.Int64 // calls answered with the failure code
	active atomic.Int64 // calls in progress
}

// Option configures a Node at creation.
type Option func(*Node)

// WithDelay makes every call wait d before answering (or until the call's
// context ends).
func WithDelay(d time.Duration) Option { return func(n *Node) { n.delay = d } }

// WithFailure makes every call fail with code (codes.OK means succeed).
func WithFailure(code codes.Code) Option { return func(n *Node) { n.failCode = code } }

// New returns a node that answers as name.
func New(name string, opts ...Option) *Node {
	n := &Node{name: name}
	for _, opt := range opts {
		opt(n)
	}
	return n
}

// Name is the name the node puts in its replies.
func (n *Node) Name() string { return n.name }

// SetDelay changes the delay of later calls.
func (n *Node) SetDelay(d time.Duration) {
	n.mu.Lock()
	n.delay = d
	n.mu.Unlock()
}

// SetFailure makes later calls fail with code; codes.OK heals the node.
func (n *Node) SetFailure(code codes.Code) {
	n.mu.Lock()
	n.failCode = code
	n.mu.Unlock()
}

// Calls is the number of calls received (unary calls and streams).
func (n *Node) Calls() int64 { return n.calls.Load() }

// Failed is the number of calls the node failed on purpose.
func (n *Node) Failed() int64 { return n.failed.Load() }

// Active is the number of calls in progress.
func (n *Node) Active() int64 { return n.active.Load() }

// ResetCounters sets Calls and Failed back to zero.
func (n *Node) ResetCounters() {
	n.calls.Store(0)
	n.failed.Store(0)
}

// GetByID returns user id as served by this node.
func (n *Node) GetByID(ctx context.Context, req *userpb.GetByIDRequest) (*userpb.User, error) {
	if err := n.enter(ctx); err != nil {
		return nil, err
	}
	defer n.active.Add(-1)
	if req.GetId() <= 0 {
		return nil, status.Errorf(codes.InvalidArgument, "node %s: id must be positive, got %d", n.name, req.GetId())
	}
	return n.user(req.GetId()), nil
}

// ListUsers streams req.Count users from req.FirstId on.
func (n *Node) ListUsers(req *userpb.ListUsersRequest, stream userpb.UserService_ListUsersServer) error {
	if err := n.enter(stream.Context()); err != nil {
		return err
	}
	defer n.active.Add(-1)
	if req.GetFirstId() <= 0 {
		return status.Errorf(codes.InvalidArgument, "node %s: first_id must be positive, got %d", n.name, req.GetFirstId())
	}
	if req.GetCount() <= 0 || req.GetCount() > MaxListCount {
		return status.Errorf(codes.InvalidArgument, "node %s: count must be 1..%d, got %d", n.name, MaxListCount, req.GetCount())
	}
	for i := int64(0); i < int64(req.GetCount()); i++ {
		if err := stream.Send(n.user(req.GetFirstId() + i)); err != nil {
			return err
		}
	}
	return nil
}

// enter counts the call, applies the knobs and, on success, leaves the call
// counted as active; the caller decrements active.
func (n *Node) enter(ctx context.Context) error {
	n.calls.Add(1)
	n.mu.Lock()
	failCode, delay := n.failCode, n.delay
	n.mu.Unlock()
	n.active.Add(1)
	if delay > 0 {
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			n.active.Add(-1)
			return status.FromContextError(ctx.Err()).Err()
		}
	}
	if failCode != codes.OK {
		n.failed.Add(1)
		n.active.Add(-1)
		return status.Errorf(failCode, "node %s: failing on purpose with %s", n.name, failCode)
	}
	return nil
}

func (n *Node) user(id int64) *userpb.User {
	return &userpb.User{Id: id, Name: fmt.Sprintf("user-%d", id), Node: n.name}
}
