// Package ratelimit limits how many calls a gRPC server accepts, with four
// classic algorithms behind one small interface: token bucket, leaky bucket,
// fixed window and sliding window. UnaryServerInterceptor and
// StreamServerInterceptor put any of them in front of a server; a rejected
// call fails with codes.ResourceExhausted and a message naming the limiter.
//
// Every limiter reads time from a Clock, so tests can drive it with a
// ManualClock and check exact counts without sleeping.
package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Limiter decides whether one more call may go ahead.
type Limiter interface {
	// Acquire asks for one permit. It returns nil when the call may go
	// ahead, an error wrapping ErrLimited when the call is rejected, or
	// ctx.Err() when ctx ends while the call waits for its turn (only the
	// leaky bucket makes calls wait).
	Acquire(ctx context.Context) error
	// Name names the algorithm and its settings, for error messages.
	Name() string
}

// ErrLimited is wrapped by the error Acquire returns for a rejected call.
var ErrLimited = errors.New("ratelimit: limit exceeded")

// Clock tells the time. The real clock is the default; tests and
// simulations pass a ManualClock through WithClock.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

type realClock struct{}

func (realClock) Now() time.Time                         { return time.Now() }
func (realClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Option configures a limiter.
type Option func(*options)

type options struct {
	clock Clock
}

// WithClock makes the limiter read time from c instead of the real clock.
// A nil c keeps the real clock.
func WithClock(c Clock) Option {
	return func(o *options) {
		if c != nil {
			o.clock = c
		}
	}
}

func buildOptions(opts []Option) options {
	o := options{clock: realClock{}}
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o
}

// limited builds the error Acquire returns for a rejected call.
func limited(l Limiter) error {
	return fmt.Errorf("%w by %s", ErrLimited, l.Name())
}

// checkRate validates the count and period every constructor takes.
func checkRate(what string, n int, per time.Duration) error {
	if n < 1 {
		return fmt.Errorf("ratelimit: %s must be at least 1, got %d", what, n)
	}
	if per <= 0 {
		return fmt.Errorf("ratelimit: period must be positive, got %v", per)
	}
	return nil
}
