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
//
// Every balancer in package balancer calls Filter. When a filter leaves no
// node, the call fails at once with codes.Unavailable and a message naming
// the filter.
package route

import (
	"context"
	"slices"

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

type groupKey struct{}
type directKey struct{}
type excludeKey struct{}
type healthKey struct{}

// WithGroup routes calls made with the returned context to nodes of group
// g, here and (through outgoing metadata) in every service the call reaches
// whose server uses ServerInterceptor.
func WithGroup(ctx context.Context, g string) context.Context {
	ctx = context.WithValue(ctx, groupKey{}, g)
	md, _ := metadata.FromOutgoingContext(ctx)
	md = md.Copy()
	md.Set(GroupMetadataKey, g)
	return metadata.NewOutgoingContext(ctx, md)
}

// GroupFrom returns the group of ctx: the one set by WithGroup, else one
// found in the outgoing metadata. Incoming metadata does not count: a server
// passes the group on by using ServerInterceptor, which also forwards it to
// the next hop.
func GroupFrom(ctx context.Context) (string, bool) {
	if g, ok := ctx.Value(groupKey{}).(string); ok {
		return g, true
	}
	if vals := metadata.ValueFromOutgoingContext(ctx, GroupMetadataKey); len(vals) > 0 {
		return vals[0], true
	}
	return "", false
}

// WithDirect sends calls made with the returned context to addr only.
func WithDirect(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, directKey{}, addr)
}

// DirectFrom returns the address set by WithDirect.
func DirectFrom(ctx context.Context) (string, bool) {
	addr, ok := ctx.Value(directKey{}).(string)
	return addr, ok
}

// WithExclude keeps calls made with the returned context away from addrs,
// in addition to addresses excluded by a parent context.
func WithExclude(ctx context.Context, addrs ...string) context.Context {
	prev := Excluded(ctx)
	all := make([]string, 0, len(prev)+len(addrs))
	all = append(append(all, prev...), addrs...)
	return context.WithValue(ctx, excludeKey{}, all)
}

// Excluded returns the addresses excluded by WithExclude.
func Excluded(ctx context.Context) []string {
	addrs, _ := ctx.Value(excludeKey{}).([]string)
	return addrs
}

// WithHealth makes calls with the returned context skip nodes h marks
// unhealthy.
func WithHealth(ctx context.Context, h *Health) context.Context {
	return context.WithValue(ctx, healthKey{}, h)
}

// HealthFrom returns the Health set by WithHealth.
func HealthFrom(ctx context.Context) (*Health, bool) {
	h, ok := ctx.Value(healthKey{}).(*Health)
	return h, ok && h != nil
}

// Filter returns the nodes a call with ctx may go to, in their original
// order. It applies direct, exclude, group and health in that order and
// fails with codes.Unavailable naming the first filter that left no node.
// When no rule is set it returns nodes itself, without allocating.
func Filter[T Candidate](ctx context.Context, nodes []T) ([]T, error) {
	if ctx == nil {
		return nodes, nil
	}
	if len(nodes) == 0 {
		return nil, status.Error(codes.Unavailable, "route: no nodes to choose from")
	}
	if addr, ok := DirectFrom(ctx); ok {
		nodes = keep(nodes, func(n Node) bool { return n.Addr == addr })
		if len(nodes) == 0 {
			return nil, status.Errorf(codes.Unavailable, "route: direct filter: no node at %s", addr)
		}
	}
	if excluded := Excluded(ctx); len(excluded) > 0 {
		nodes = keep(nodes, func(n Node) bool { return !slices.Contains(excluded, n.Addr) })
		if len(nodes) == 0 {
			return nil, status.Errorf(codes.Unavailable, "route: exclude filter: all nodes excluded (%d addresses)", len(excluded))
		}
	}
	if g, ok := GroupFrom(ctx); ok {
		nodes = keep(nodes, func(n Node) bool { return n.Group == g })
		if len(nodes) == 0 {
			return nil, status.Errorf(codes.Unavailable, "route: group filter: no node in group %q", g)
		}
	}
	if h, ok := HealthFrom(ctx); ok {
		nodes = keep(nodes, func(n Node) bool { return h.Healthy(n.Addr) })
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

func (s *groupStream) Context() context.Context { return s.ctx }
