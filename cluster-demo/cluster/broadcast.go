package cluster

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"cluster-demo/registry"
	"cluster-demo/route"
)

// Reply is one node's answer to a broadcast call.
type Reply struct {
	Addr  string // the node's registered address
	Group string // the node's group
	// Reply is a new message of the call's reply type (e.g. *userpb.User)
	// holding this node's answer; nil when Err is set.
	Reply any
	Err   error
}

type replyMode int

const (
	modeAll replyMode = iota
	modeFirst
	modeNone
)

// Replies is a reply strategy: what a broadcast call does with the answers
// of the nodes. Get one from AllReplies, FirstReply or NoReplies.
type Replies struct {
	mode replyMode
	used atomic.Bool                // AllReplies only: it serves one call
	ch   atomic.Pointer[chan Reply] // AllReplies only: made by that call
}

// AllReplies returns a strategy that hands every node's Reply over on the
// channel C returns. The call itself returns once every node has been sent
// the request (or failed to get it), with an empty reply; then read C for
// the answers, as they arrive. Cancelling the call's context after it
// returned takes nothing back: every node gets the request and answers, and
// only the context's deadline still bounds the calls. Cancelling it before
// the call returned stops the requests not sent yet, and the call returns
// the context's error. The strategy serves a single call.
func AllReplies() *Replies { return &Replies{mode: modeAll} }

// C returns the channel of an AllReplies strategy: every node's Reply, then
// closed after the last one (at once if the call failed before calling any
// node). The call makes it with room for one reply per node, so no node's
// goroutine ever waits for the reader: stop reading whenever you like,
// nothing is left blocked. C is nil until a call has used the strategy, and
// for the other strategies.
func (r *Replies) C() <-chan Reply {
	if ch := r.ch.Load(); ch != nil {
		return *ch
	}
	return nil
}

// FirstReply returns a strategy that fills the call's reply with the first
// successful answer and cancels the calls still running. The call fails
// only if every node fails. It may be shared by any number of calls.
func FirstReply() *Replies { return &Replies{mode: modeFirst} }

// NoReplies returns a strategy that waits for every node and discards the
// answers: the call succeeds if every node succeeded, otherwise it fails
// naming the nodes that did not (a cache flush wants to know). It may be
// shared by any number of calls.
func NoReplies() *Replies { return &Replies{mode: modeNone} }

type broadcastKey struct{}

// Broadcast marks ctx so that a call made with it goes to every instance of
// the service that the route filters in ctx let through (group, health,
// exclude), with r deciding what happens to the replies. It takes effect
// only on a client that has a Broadcaster's interceptor installed.
func Broadcast(ctx context.Context, r *Replies) context.Context {
	return context.WithValue(ctx, broadcastKey{}, r)
}

// Multicast is Broadcast to the instances of group only (组播). The group
// also travels to the servers, as route.WithGroup does.
func Multicast(ctx context.Context, group string, r *Replies) context.Context {
	return Broadcast(route.WithGroup(ctx, group), r)
}

// Broadcaster calls every instance of one service for calls marked with
// Broadcast or Multicast. It follows the service in the registry
// (registry.Follow) and broadcasts to the last list it got: a registry
// that is out of reach, or slow, never holds a broadcast up, as long as a
// list came once. It keeps one connection per instance address, made on
// first use and reused by later calls; connections of instances that left
// the list are closed when the new list arrives, the rest by Close. It is
// safe for concurrent use; Close it when done.
type Broadcaster struct {
	reg      registry.Registry
	service  string
	dialOpts []grpc.DialOption
	stop     context.CancelFunc // ends the subscription
	followed chan struct{}      // closed when the subscription has ended
	known    chan struct{}      // closed when the first list arrived

	mu      sync.Mutex
	nodes   []route.Node // the last list
	lastErr error        // the registry's last error, for calls before any list
	conns   map[string]*grpc.ClientConn
	closed  bool
}

// NewBroadcaster returns a Broadcaster for service, following its
// instances in reg. Connections use plain-text transport unless opts say
// otherwise.
func NewBroadcaster(reg registry.Registry, service string, opts ...grpc.DialOption) (*Broadcaster, error) {
	if reg == nil {
		return nil, errors.New("cluster: broadcaster needs a registry")
	}
	if service == "" {
		return nil, errors.New("cluster: broadcaster needs a service name")
	}
	ctx, stop := context.WithCancel(context.Background())
	b := &Broadcaster{
		reg:      reg,
		service:  service,
		dialOpts: append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, opts...),
		stop:     stop,
		followed: make(chan struct{}),
		known:    make(chan struct{}),
		conns:    map[string]*grpc.ClientConn{},
	}
	go func() {
		defer close(b.followed)
		registry.Follow(ctx, reg, service, b.setList, b.setErr)
	}()
	return b, nil
}

// setList takes a new list from the registry and closes the connections
// of instances no longer in it. A call still running on one fails with
// Canceled; its node has left.
func (b *Broadcaster) setList(insts []registry.ServiceInstance) {
	nodes := make([]route.Node, 0, len(insts))
	for _, in := range insts {
		nodes = append(nodes, route.Node{Addr: in.Addr, Group: in.Group, Weight: in.Weight})
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.nodes == nil {
		close(b.known)
	}
	b.nodes, b.lastErr = nodes, nil
	for addr, cc := range b.conns {
		if !slices.ContainsFunc(nodes, func(n route.Node) bool { return n.Addr == addr }) {
			cc.Close()
			delete(b.conns, addr)
		}
	}
}

func (b *Broadcaster) setErr(err error) {
	b.mu.Lock()
	b.lastErr = err
	b.mu.Unlock()
}

// list returns the last list from the registry, waiting for the first one
// as long as ctx allows.
func (b *Broadcaster) list(ctx context.Context) ([]route.Node, error) {
	select {
	case <-b.known:
	case <-b.followed: // closed, or the registry is
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return nil, status.Error(codes.FailedPrecondition, "cluster: broadcaster is closed")
	case b.nodes != nil:
		return b.nodes, nil
	case b.lastErr != nil:
		return nil, status.Errorf(codes.Unavailable, "cluster: broadcast: no list of %q yet: %v", b.service, b.lastErr)
	}
	return nil, status.FromContextError(ctx.Err()).Err()
}

// Close ends the subscription and closes every cached connection; later
// broadcast calls fail.
func (b *Broadcaster) Close() error {
	b.stop()
	<-b.followed
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	var errs []error
	for addr, cc := range b.conns {
		if err := cc.Close(); err != nil {
			errs = append(errs, fmt.Errorf("cluster: close connection to %s: %w", addr, err))
		}
		delete(b.conns, addr)
	}
	return errors.Join(errs...)
}

// UnaryClientInterceptor returns the interceptor that fans marked calls out
// and lets every other call through untouched.
func (b *Broadcaster) UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return b.intercept
}

func (b *Broadcaster) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	r, marked := ctx.Value(broadcastKey{}).(*Replies)
	if !marked {
		return invoker(ctx, method, req, reply, cc, opts...)
	}
	if r == nil {
		return status.Error(codes.InvalidArgument, "cluster: broadcast call without a reply strategy")
	}
	if r.mode == modeAll && !r.used.CompareAndSwap(false, true) {
		// The channel belongs to the call that used the strategy first.
		return status.Error(codes.InvalidArgument, "cluster: an AllReplies strategy serves one call; get a new one per call")
	}
	targets, err := b.targets(ctx, reply)
	if err != nil {
		if r.mode == modeAll {
			ch := make(chan Reply) // closed: a range over C ends at once
			close(ch)
			r.ch.Store(&ch)
		}
		return err
	}
	opts = perNodeOptions(opts)
	switch r.mode {
	case modeFirst:
		return b.first(ctx, method, req, reply, targets, opts)
	case modeNone:
		return b.none(ctx, method, req, reply, targets, opts)
	default:
		ch := make(chan Reply, len(targets))
		r.ch.Store(&ch)
		return b.all(ctx, ch, method, req, reply, targets, opts)
	}
}

// target is one node to call, with its cached connection.
type target struct {
	node route.Node
	conn *grpc.ClientConn
}

// targets checks the call and lists the nodes it goes to.
func (b *Broadcaster) targets(ctx context.Context, reply any) ([]target, error) {
	if rv := reflect.ValueOf(reply); rv.Kind() != reflect.Pointer || rv.IsNil() {
		return nil, status.Errorf(codes.InvalidArgument, "cluster: broadcast reply must be a non-nil pointer, got %T", reply)
	}
	nodes, err := b.list(ctx)
	if err != nil {
		return nil, err
	}
	nodes, err = route.Filter(ctx, nodes)
	if err != nil {
		return nil, status.Errorf(codes.Unavailable, "cluster: broadcast to %q: %s", b.service, status.Convert(err).Message())
	}
	ts := make([]target, 0, len(nodes))
	for _, n := range nodes {
		conn, err := b.conn(n.Addr)
		if err != nil {
			return nil, err
		}
		ts = append(ts, target{node: n, conn: conn})
	}
	return ts, nil
}

// conn returns the cached connection to addr, making it on first use.
func (b *Broadcaster) conn(addr string) (*grpc.ClientConn, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, status.Error(codes.FailedPrecondition, "cluster: broadcaster is closed")
	}
	if cc, ok := b.conns[addr]; ok {
		return cc, nil
	}
	// passthrough: the address is already host:port, no name resolution.
	cc, err := grpc.NewClient("passthrough:///"+addr, b.dialOpts...)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "cluster: connect to %s: %v", addr, err)
	}
	b.conns[addr] = cc
	return cc, nil
}

// cachedAddrs lists the addresses with a cached connection, sorted.
func (b *Broadcaster) cachedAddrs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	addrs := make([]string, 0, len(b.conns))
	for addr := range b.conns {
		addrs = append(addrs, addr)
	}
	slices.Sort(addrs)
	return addrs
}

// call makes the call on one node into out, a reply message of its own.
// The caller makes out with newReply before starting the goroutine: once a
// first reply has been copied into the caller's message, nothing may read
// that message any more.
func call(ctx context.Context, t target, method string, req, out any, opts []grpc.CallOption) Reply {
	err := t.conn.Invoke(ctx, method, req, out, opts...)
	if err != nil {
		return Reply{Addr: t.node.Addr, Group: t.node.Group, Err: err}
	}
	return Reply{Addr: t.node.Addr, Group: t.node.Group, Reply: out}
}

// all sends the request to every node, hands each reply over on ch and
// closes ch after the last. It returns once every node has the request (or
// failed to get it), with ctx's error if ctx was cancelled before that. ch
// has room for every reply, so a sender never blocks on a caller that
// stopped reading.
func (b *Broadcaster) all(ctx context.Context, ch chan<- Reply, method string, req, reply any, targets []target, opts []grpc.CallOption) error {
	// The calls outlive ctx's cancellation but not its deadline.
	detached, cancel := context.WithoutCancel(ctx), context.CancelFunc(func() {})
	if deadline, ok := ctx.Deadline(); ok {
		detached, cancel = context.WithDeadline(detached, deadline)
	}
	var sent, answered sync.WaitGroup
	for _, t := range targets {
		out := newReply(reply)
		sent.Add(1)
		answered.Go(func() { ch <- sendThenReceive(ctx, detached, t, method, req, out, opts, sent.Done) })
	}
	go func() {
		answered.Wait()
		cancel()
		close(ch)
	}()
	sent.Wait()
	if err := ctx.Err(); err != nil {
		return status.FromContextError(err).Err()
	}
	return nil
}

// unary describes a unary call as a stream: sendThenReceive needs to know
// when the request has gone out, which Invoke does not tell.
var unary = &grpc.StreamDesc{}

// sendThenReceive makes the call on one node into out in two steps. Until
// the request is handed to the connection, the caller's ctx governs it, so
// a caller who gives up in time stops it. Then sent is called and the call
// goes on under detached, which has ctx's deadline but ignores its
// cancellation: a request that went out is answered. Unlike call, it goes
// through the connection's stream interceptors, not its unary ones.
func sendThenReceive(ctx, detached context.Context, t target, method string, req, out any, opts []grpc.CallOption, sent func()) Reply {
	callCtx, cancel := context.WithCancel(detached)
	defer cancel()
	stop := context.AfterFunc(ctx, cancel)
	if ctx.Err() != nil {
		cancel() // now, not in AfterFunc's goroutine: send nothing
	}
	cs, err := t.conn.NewStream(callCtx, unary, method, opts...)
	if err == nil {
		err = cs.SendMsg(req)
	}
	stop() // from here on only the deadline ends the call
	sent()
	if err == nil || errors.Is(err, io.EOF) { // io.EOF: the status tells why
		err = cs.RecvMsg(out) // for a unary call: the reply, then the status
	}
	if err != nil {
		return Reply{Addr: t.node.Addr, Group: t.node.Group, Err: status.Convert(err).Err()}
	}
	return Reply{Addr: t.node.Addr, Group: t.node.Group, Reply: out}
}

// first returns the first successful reply, copied into reply.
func (b *Broadcaster) first(ctx context.Context, method string, req, reply any, targets []target, opts []grpc.CallOption) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()                            // stops the slower calls once we have an answer
	results := make(chan Reply, len(targets)) // room for all: no sender ever blocks
	for _, t := range targets {
		out := newReply(reply)
		go func() { results <- call(ctx, t, method, req, out, opts) }()
	}
	var failed []Reply
	for range targets {
		r := <-results
		if r.Err == nil {
			copyReply(reply, r.Reply)
			return nil
		}
		failed = append(failed, r)
	}
	return failure("every node failed", failed)
}

// none waits for every node and reports the failures.
func (b *Broadcaster) none(ctx context.Context, method string, req, reply any, targets []target, opts []grpc.CallOption) error {
	results := make([]Reply, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		out := newReply(reply)
		wg.Go(func() { results[i] = call(ctx, t, method, req, out, opts) })
	}
	wg.Wait()
	var failed []Reply
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, r)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return failure(fmt.Sprintf("%d of %d nodes failed", len(failed), len(targets)), failed)
}

// failure summarises failed nodes in one status, with the first one's code.
func failure(what string, failed []Reply) error {
	parts := make([]string, 0, len(failed))
	for _, r := range failed {
		parts = append(parts, fmt.Sprintf("%s: %s", r.Addr, status.Convert(r.Err).Message()))
	}
	return status.Errorf(status.Code(failed[0].Err), "cluster: broadcast: %s: %s", what, strings.Join(parts, "; "))
}

// perNodeOptions drops the call options that write results back to the
// caller (peer, header, trailer): concurrent calls would race on them.
func perNodeOptions(opts []grpc.CallOption) []grpc.CallOption {
	out := make([]grpc.CallOption, 0, len(opts))
	for _, o := range opts {
		switch o.(type) {
		case grpc.PeerCallOption, grpc.HeaderCallOption, grpc.TrailerCallOption,
			*grpc.PeerCallOption, *grpc.HeaderCallOption, *grpc.TrailerCallOption:
			continue
		}
		out = append(out, o)
	}
	return out
}

// newReply makes a fresh message of reply's type, so no two nodes ever
// write into the same one.
func newReply(reply any) any {
	if m, ok := reply.(proto.Message); ok {
		return m.ProtoReflect().New().Interface()
	}
	return reflect.New(reflect.TypeOf(reply).Elem()).Interface()
}

// copyReply puts src (made by newReply) into the caller's dst.
func copyReply(dst, src any) {
	if m, ok := dst.(proto.Message); ok {
		proto.Reset(m)
		proto.Merge(m, src.(proto.Message))
		return
	}
	reflect.ValueOf(dst).Elem().Set(reflect.ValueOf(src).Elem())
}
