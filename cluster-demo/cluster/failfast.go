package cluster

import (
	"context"
	"slices"

	"google.golang.org/grpc"
)

// FailFast returns a unary client interceptor that makes every call a
// single attempt that does not wait for a node to become ready: when no
// node is ready, or the picked node fails, the caller gets that error at
// once. It is the right strategy for calls that must not be repeated and
// for callers that would rather degrade than wait.
//
// grpc-go still retries transparently a call that never left the client
// (the server refused the stream before reading it); that is always safe.
func FailFast() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		// Clip so that appending never writes into the caller's slice.
		return invoker(ctx, method, req, reply, cc, append(slices.Clip(opts), grpc.WaitForReady(false))...)
	}
}
