package route

import (
	"context"
	"sync"

	"google.golang.org/grpc"
)

// Health is a set of addresses marked unhealthy, by a health checker, an
// operator or a test. It is safe for concurrent use; the zero value marks
// nothing unhealthy.
type Health struct {
	mu        sync.RWMutex
	unhealthy map[string]bool
}

// NewHealth returns a Health with every node healthy.
func NewHealth() *Health { return &Health{} }

// MarkUnhealthy makes the health filter skip addr.
func (h *Health) MarkUnhealthy(addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.unhealthy == nil {
		h.unhealthy = make(map[string]bool)
	}
	h.unhealthy[addr] = true
}

// MarkHealthy lets the health filter keep addr again.
func (h *Health) MarkHealthy(addr string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.unhealthy, addr)
}

// Healthy reports whether addr is not marked unhealthy.
func (h *Health) Healthy(addr string) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return !h.unhealthy[addr]
}

// UnaryClientInterceptor puts h into the context of every unary call, so a
// client set up with it skips unhealthy nodes without touching call sites.
func (h *Health) UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		return invoker(WithHealth(ctx, h), method, req, reply, cc, opts...)
	}
}

// StreamClientInterceptor is UnaryClientInterceptor for streams.
func (h *Health) StreamClientInterceptor() grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return streamer(WithHealth(ctx, h), desc, cc, method, opts...)
	}
}
