// Package route narrows the nodes a call may go to before a balancer picks
// one. The rules travel in the call's context:
//
//   - WithDirect(ctx, addr): only that address (debugging, pinning).
//   - WithExclude(ctx, addrs...): never these addresses (failover uses it
//     to avoid nodes it already tried).
//   - WithGroup(ctx, g): only nodes of group g (A/B tests). The group is also
//     put in the outgoing metadata, and ServerInterceptor copies it from the
//     incoming metadata into the handler's context, so it follows the request
//     across hops.
//   - WithHealth(ctx, h) or the client interceptor of a Health: skip nodes
//     marked unhealthy.
//   - WithPickRecorder(ctx): not a filter; the balancer records the
//     registered address it picked, so failover knows which node it tried.
//
// Every balancer in package balancer calls Filter. When a filter leaves no
// node, the call fails at once with codes.Unavailable and a message naming
// the filter.
package route

import (
	"context"
	"slices"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// GroupMetadataKey is the metadata key carrying the group between processes.
const GroupMetadataKey = "x-cluster-group"

// Node is what the filters look at: one address with its registry data.
type Node struct {
	Addr   string
	Group  string
	Weight int
}

// RouteNode returns n itself, so a []Node can be filtered directly.
func (n Node) RouteNode() Node { return n }

// Candidate is anything Filter can narrow: a balancer's per-node entry
// returns the Node it stands for.
type Candidate interface {
	RouteNode() Node
}

// rules are the routing rules of a context. They live under one context
// key, so a pick costs one context lookup however many rules exist; every
// With* function stores a modified copy and never changes the parent's.
type rules struct {
	group     string
	hasGroup  bool
	direct    string
	hasDirect bool
	exclude   []string
	health    *Health
	picked    *PickRecorder
}

type rulesKey struct{}

func rulesFrom(ctx context.Context) *rules {
	r, _ := ctx.Value(rulesKey{}).(*rules)
	return r
}

// with returns ctx carrying a copy of its rules changed by change.
func with(ctx context.Context, change func(*rules)) context.Context {
	var r rules
	if prev := rulesFrom(ctx); prev != nil {
		r = *prev
	}
	change(&r)
	return context.WithValue(ctx, rulesKey{}, &r)
}

// WithGroup routes calls made with the returned context to nodes of group
// g, here and (through outgoing metadata) in every service the call reaches
// whose server uses ServerInterceptor.
func WithGroup(ctx context.Context, g string) context.Context {
	ctx = with(ctx, func(r *rules) { r.group, r.hasGroup = g, true })
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Set(GroupMetadataKey, g)
	return metadata.NewOutgoingContext(ctx, md)
}

// GroupFrom returns the group set by WithGroup. Metadata alone does not
// count: it only carries the group between processes, and
// ServerInterceptor turns it back into a WithGroup on the receiving side.
func GroupFrom(ctx context.Context) (string, bool) {
	if r := rulesFrom(ctx); r != nil && r.hasGroup {
		return r.group, true
	}
	return "", false
}

// WithDirect sends calls made with the returned context to addr only.
func WithDirect(ctx context.Context, addr string) context.Context {
	return with(ctx, func(r *rules) { r.direct, r.hasDirect = addr, true })
}

// DirectFrom returns the address set by WithDirect.
func DirectFrom(ctx context.Context) (string, bool) {
	if r := rulesFrom(ctx); r != nil && r.hasDirect {
		return r.direct, true
	}
	return "", false
}

// WithExclude keeps calls made with the returned context away from addrs,
// in addition to addresses excluded by a parent context.
func WithExclude(ctx context.Context, addrs ...string) context.Context {
	return with(ctx, func(r *rules) {
		// A fresh slice: the parent's rules share the old one.
		r.exclude = append(append(make([]string, 0, len(r.exclude)+len(addrs)), r.exclude...), addrs...)
	})
}

// Excluded returns the addresses excluded by WithExclude.
func Excluded(ctx context.Context) []string {
	if r := rulesFrom(ctx); r != nil {
		return r.exclude
	}
	return nil
}

// WithHealth makes calls with the returned context skip nodes h marks
// unhealthy.
func WithHealth(ctx context.Context, h *Health) context.Context {
	return with(ctx, func(r *rules) { r.health = h })
}

// HealthFrom returns the Health set by WithHealth.
func HealthFrom(ctx context.Context) (*Health, bool) {
	if r := rulesFrom(ctx); r != nil && r.health != nil {
		return r.health, true
	}
	return nil, false
}

// PickRecorder remembers the registered address of the node a balancer
// picked for a call. Failover needs it to exclude a node it tried: the peer
// address gRPC reports is the IP:port the connection went to, which differs
// from the registered address whenever the registry holds a host name.
// It is safe for concurrent use.
type PickRecorder struct {
	mu   sync.Mutex
	addr string
}

// Addr is the address of the last pick recorded, "" if none.
func (p *PickRecorder) Addr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.addr
}

// Record notes addr as picked. Balancers call it on the recorder
// FilterForPick returns.
func (p *PickRecorder) Record(addr string) {
	p.mu.Lock()
	p.addr = addr
	p.mu.Unlock()
}

// WithPickRecorder returns a context whose calls record the node the
// balancer picks (balancers of package balancer do) in the returned
// recorder.
func WithPickRecorder(ctx context.Context) (context.Context, *PickRecorder) {
	rec := &PickRecorder{}
	return with(ctx, func(r *rules) { r.picked = rec }), rec
}

// Filter returns the nodes a call with ctx may go to, in their original
// order. It applies direct, exclude, group and health in that order and
// fails with codes.Unavailable naming the first filter that left no node.
// When no rule is set it returns nodes itself, without allocating.
func Filter[T Candidate](ctx context.Context, nodes []T) ([]T, error) {
	nodes, _, err := FilterForPick(ctx, nodes)
	return nodes, err
}

// FilterForPick is Filter for a balancer about to pick one of the nodes:
// it also returns the recorder set by WithPickRecorder (nil if none), which
// the balancer tells the address it picks. Rules are looked up once.
func FilterForPick[T Candidate](ctx context.Context, nodes []T) ([]T, *PickRecorder, error) {
	if ctx == nil {
		return nodes, nil, nil
	}
	if len(nodes) == 0 {
		return nil, nil, status.Error(codes.Unavailable, "route: no nodes to choose from")
	}
	r := rulesFrom(ctx)
	if r == nil {
		return nodes, nil, nil
	}
	nodes, err := applyRules(r, nodes)
	return nodes, r.picked, err
}

// applyRules applies the rules in the order Filter documents.
func applyRules[T Candidate](r *rules, nodes []T) ([]T, error) {
	if r.hasDirect {
		nodes = keep(nodes, func(n Node) bool { return n.Addr == r.direct })
		if len(nodes) == 0 {
			return nil, status.Errorf(codes.Unavailable, "route: direct filter: no node at %s", r.direct)
		}
	}
	if len(r.exclude) > 0 {
		nodes = keep(nodes, func(n Node) bool { return !slices.Contains(r.exclude, n.Addr) })
		if len(nodes) == 0 {
			return nil, status.Errorf(codes.Unavailable, "route: exclude filter: all nodes excluded (%d addresses)", len(r.exclude))
		}
	}
	if r.hasGroup {
		nodes = keep(nodes, func(n Node) bool { return n.Group == r.group })
		if len(nodes) == 0 {
			return nil, status.Errorf(codes.Unavailable, "route: group filter: no node in group %q", r.group)
		}
	}
	if r.health != nil {
		nodes = keep(nodes, func(n Node) bool { return r.health.Healthy(n.Addr) })
		if len(nodes) == 0 {
			return nil, status.Error(codes.Unavailable, "route: health filter: every node is marked unhealthy")
		}
	}
	return nodes, nil
}

// keep returns the nodes for which ok is true; it returns nodes itself when
// all pass, so the common case allocates nothing.
func keep[T Candidate](nodes []T, ok func(Node) bool) []T {
	for i, n := range nodes {
		if ok(n.RouteNode()) {
			continue
		}
		out := make([]T, 0, len(nodes)-1)
		out = append(out, nodes[:i]...)
		for _, m := range nodes[i+1:] {
			if ok(m.RouteNode()) {
				out = append(out, m)
			}
		}
		return out
	}
	return nodes
}

// ServerInterceptor copies the group from the incoming metadata into the
// handler's context (value and outgoing metadata), so calls the handler
// makes to other services stay in the group.
func ServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if vals := metadata.ValueFromIncomingContext(ctx, GroupMetadataKey); len(vals) > 0 {
			ctx = WithGroup(ctx, vals[0])
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor is ServerInterceptor for streaming calls.
func StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if vals := metadata.ValueFromIncomingContext(ss.Context(), GroupMetadataKey); len(vals) > 0 {
			ss = &groupStream{ServerStream: ss, ctx: WithGroup(ss.Context(), vals[0])}
		}
		return handler(srv, ss)
	}
}

type groupStream struct {
	grpc.ServerStream
	ctx context.Context
}

// Context returns the stream context carrying the group.
func (s *groupStream) Context() context.Context { return s.ctx }
