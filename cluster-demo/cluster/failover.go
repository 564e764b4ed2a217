package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"cluster-demo/route"
)

// Defaults of NewFailover.
const (
	DefaultMaxAttempts    = 3
	DefaultInitialBackoff = 10 * time.Millisecond
	DefaultMaxBackoff     = time.Second
)

// DefaultIdempotentCodes are the codes retried for idempotent methods.
// Unavailable: the node is gone or going away. ResourceExhausted: the node
// is overloaded or rate limited. Aborted: the node gave up on a conflict.
// DeadlineExceeded: only a per-attempt timeout can cause it here, since a
// call whose own context ended is never retried.
var DefaultIdempotentCodes = []codes.Code{codes.Unavailable, codes.ResourceExhausted, codes.Aborted, codes.DeadlineExceeded}

// Attempt describes one finished attempt of a call, for WithObserver.
type Attempt struct {
	Method  string
	Number  int           // 1 for the first attempt
	Addr    string        // the node that answered (its registered address), "" if the call reached none
	Err     error         // nil on success
	Retry   bool          // whether another attempt follows
	Backoff time.Duration // the wait before that attempt
}

// Failover retries failed calls on nodes they have not tried yet. Build it
// with NewFailover and install UnaryClientInterceptor on the client.
//
// Which failures are retried depends on whether the server may already have
// acted on the call:
//
//   - A method marked idempotent (WithIdempotent) is retried on any code in
//     its retry set (DefaultIdempotentCodes unless WithRetryCodes says
//     otherwise), whatever happened on the server: doing it twice is harmless.
//   - Any other method is retried only when the attempt never reached a node:
//     codes.Unavailable with no peer, e.g. no node was ready to take it. Once
//     a node had the request, even an Unavailable (a node killed mid-call)
//     may hide a completed side effect, so the error goes back to the caller.
//
// A retry excludes every node tried so far (by the registered address the
// balancer recorded for the attempt, see route.WithPickRecorder), so it
// never lands on the same node twice, even when the registry holds host
// names; when every node has been tried the call fails with the last
// node's error. A call a route filter refused (its message starts with
// "route: ") is not retried: the same filter would refuse it again.
type Failover struct {
	maxAttempts     int
	initialBackoff  time.Duration
	maxBackoff      time.Duration
	perAttempt      time.Duration
	idempotent      map[string]bool
	idempotentCodes []codes.Code
	observe         func(Attempt)
}

// FailoverOption configures a Failover.
type FailoverOption func(*Failover) error

// WithMaxAttempts bounds the attempts of one call, the first included
// (default DefaultMaxAttempts, at least 1).
func WithMaxAttempts(n int) FailoverOption {
	return func(f *Failover) error {
		if n < 1 {
			return fmt.Errorf("cluster: failover needs at least 1 attempt, got %d", n)
		}
		f.maxAttempts = n
		return nil
	}
}

// WithBackoff sets the wait before the first retry; every further retry
// waits twice as long, up to max. Zero initial means no wait.
func WithBackoff(initial, max time.Duration) FailoverOption {
	return func(f *Failover) error {
		if initial < 0 || max < initial {
			return fmt.Errorf("cluster: failover backoff wants 0 <= initial <= max, got %v and %v", initial, max)
		}
		f.initialBackoff, f.maxBackoff = initial, max
		return nil
	}
}

// WithPerAttemptTimeout gives each attempt its own deadline, so a node that
// hangs costs at most d before the call moves on (idempotent methods only
// retry after it; see DefaultIdempotentCodes). Zero means none.
func WithPerAttemptTimeout(d time.Duration) FailoverOption {
	return func(f *Failover) error {
		if d < 0 {
			return fmt.Errorf("cluster: negative per-attempt timeout %v", d)
		}
		f.perAttempt = d
		return nil
	}
}

// WithIdempotent marks full method names (userpb.UserService_GetByID_FullMethodName,
// "/clusterdemo.user.UserService/GetByID") as
// safe to run more than once, so they are retried even after a node may
// have acted on them.
func WithIdempotent(methods ...string) FailoverOption {
	return func(f *Failover) error {
		for _, m := range methods {
			if !strings.HasPrefix(m, "/") || strings.Count(m, "/") != 2 {
				return fmt.Errorf("cluster: %q is not a full method name like /pkg.Service/Method", m)
			}
			f.idempotent[m] = true
		}
		return nil
	}
}

// WithRetryCodes replaces the codes retried for idempotent methods.
// codes.OK is not allowed; an empty list turns those retries off.
func WithRetryCodes(cs ...codes.Code) FailoverOption {
	return func(f *Failover) error {
		if slices.Contains(cs, codes.OK) {
			return errors.New("cluster: codes.OK is not a failure to retry")
		}
		f.idempotentCodes = slices.Clone(cs)
		return nil
	}
}

// WithObserver calls fn after every attempt, e.g. to log or count retries.
// fn runs on the calling goroutine and must be quick.
func WithObserver(fn func(Attempt)) FailoverOption {
	return func(f *Failover) error {
		f.observe = fn
		return nil
	}
}

// NewFailover returns a Failover configured by opts.
func NewFailover(opts ...FailoverOption) (*Failover, error) {
	f := &Failover{
		maxAttempts:     DefaultMaxAttempts,
		initialBackoff:  DefaultInitialBackoff,
		maxBackoff:      DefaultMaxBackoff,
		idempotent:      map[string]bool{},
		idempotentCodes: DefaultIdempotentCodes,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// UnaryClientInterceptor returns the interceptor doing the retries. Put it
// last in the chain, closest to the balancer, so interceptors before it see
// one call.
func (f *Failover) UnaryClientInterceptor() grpc.UnaryClientInterceptor {
	return f.intercept
}

func (f *Failover) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	idempotent := f.idempotent[method]
	var tried []string
	var lastNodeErr error // the last error of a picked node, not the router
	for n := 1; ; n++ {
		actx := ctx
		if len(tried) > 0 {
			actx = route.WithExclude(ctx, tried...)
		}
		actx, picked := route.WithPickRecorder(actx)
		cancel := context.CancelFunc(func() {})
		if f.perAttempt > 0 {
			actx, cancel = context.WithTimeout(actx, f.perAttempt)
		}
		var p peer.Peer
		err := invoker(actx, method, req, reply, cc, append(slices.Clip(opts), grpc.Peer(&p))...)
		cancel()

		// The peer tells whether the attempt reached a node; the pick tells
		// which node, by the address the registry (and so the exclude
		// filter) knows it by. The peer's IP:port is the fallback for
		// balancers that do not record their picks (grpc-go's own). A node
		// picked but never reached (its connection just broke) is excluded
		// too: it is the last place to send the retry.
		reached := p.Addr != nil
		tryAddr := picked.Addr()
		if tryAddr == "" && reached {
			tryAddr = p.Addr.String()
		}
		a := Attempt{Method: method, Number: n, Err: err}
		if reached {
			a.Addr = tryAddr
		}
		if err != nil && tryAddr != "" {
			lastNodeErr = err
			if !slices.Contains(tried, tryAddr) {
				tried = append(tried, tryAddr)
			}
		}
		if err != nil && n < f.maxAttempts && ctx.Err() == nil && !routeRefused(err) && f.retryable(err, reached, idempotent) {
			a.Retry = true
			a.Backoff = f.backoff(n)
		}
		if f.observe != nil {
			f.observe(a)
		}
		if !a.Retry {
			return f.giveUp(err, lastNodeErr, n, tried)
		}
		if m, ok := reply.(proto.Message); ok {
			proto.Reset(m) // a failed attempt must leave nothing behind
		}
		if err := sleep(ctx, a.Backoff); err != nil {
			return status.FromContextError(err).Err()
		}
	}
}

// retryable applies the policy described on Failover.
func (f *Failover) retryable(err error, reachedNode, idempotent bool) bool {
	code := status.Code(err)
	if idempotent {
		return slices.Contains(f.idempotentCodes, code)
	}
	return code == codes.Unavailable && !reachedNode
}

// routeRefused reports whether err comes from a route filter that left no
// node (package route prefixes those messages with "route: "), e.g. every
// node has been tried. Another attempt would be refused the same way.
func routeRefused(err error) bool {
	return strings.HasPrefix(status.Convert(err).Message(), "route: ")
}

// backoff is the wait after attempt n: initial, doubled per retry, capped.
func (f *Failover) backoff(n int) time.Duration {
	d := f.initialBackoff
	for i := 1; i < n && d < f.maxBackoff; i++ {
		d *= 2
	}
	return min(d, f.maxBackoff)
}

// giveUp builds the error of a call that will not be retried again.
func (f *Failover) giveUp(err, lastNodeErr error, attempts int, tried []string) error {
	if err == nil || attempts == 1 {
		return err
	}
	// "All nodes excluded" says less than what the last node said.
	if routeRefused(err) && lastNodeErr != nil {
		err = lastNodeErr
	}
	st := status.Convert(err)
	return status.Errorf(st.Code(), "cluster: failover gave up after %d attempts on %v: %s", attempts, tried, st.Message())
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
