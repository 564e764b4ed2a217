package ratelimit

import (
	"context"
	"errors"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// UnaryServerInterceptor takes a permit from l before each unary call. A
// rejected call fails with codes.ResourceExhausted and its handler never runs.
// gRPC's own services (health checks, reflection) are not limited.
func UnaryServerInterceptor(l Limiter) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if exempt(info.FullMethod) {
			return handler(ctx, req)
		}
		if err := acquire(ctx, l, info.FullMethod); err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor takes one permit from l when a stream opens; the
// messages on an accepted stream are not limited. A rejected stream fails
// with codes.ResourceExhausted and its handler never runs. As for unary
// calls, gRPC's own services are not limited: every client that checks
// health keeps a Watch stream open per connection, and a limit on those
// would both use up permits and make a busy server look unhealthy.
func StreamServerInterceptor(l Limiter) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if exempt(info.FullMethod) {
			return handler(srv, ss)
		}
		if err := acquire(ss.Context(), l, info.FullMethod); err != nil {
			return err
		}
		return handler(srv, ss)
	}
}

// exempt reports whether method belongs to gRPC's own services
// (grpc.health.v1, grpc.reflection.v1 and the like).
func exempt(method string) bool { return strings.HasPrefix(method, "/grpc.") }

// acquire turns the limiter's answer into a gRPC status.
func acquire(ctx context.Context, l Limiter, method string) error {
	if l == nil {
		return status.Errorf(codes.Internal, "ratelimit: no limiter configured for %s", method)
	}
	err := l.Acquire(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrLimited):
		return status.Errorf(codes.ResourceExhausted, "ratelimit: %s rejected %s", l.Name(), method)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return status.FromContextError(err).Err()
	default:
		return status.Errorf(codes.Internal, "ratelimit: %s failed for %s: %v", l.Name(), method, err)
	}
}
