package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// TokenBucket holds up to capacity tokens and adds one every period. A call
// takes a token or is rejected. A full bucket lets a burst of capacity
// calls through at once; after that calls pass at the refill rate.
type TokenBucket struct {
	clock    Clock
	capacity int64
	every    time.Duration

	mu     sync.Mutex
	tokens int64
	last   time.Time // when the refill period in progress started
}

// NewTokenBucket returns a full bucket of capacity tokens that gains one
// token every period.
func NewTokenBucket(capacity int, every time.Duration, opts ...Option) (*TokenBucket, error) {
	if err := checkRate("token bucket capacity", capacity, every); err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	return &TokenBucket{
		clock:    o.clock,
		capacity: int64(capacity),
		every:    every,
		tokens:   int64(capacity),
		last:     o.clock.Now(),
	}, nil
}

// Name describes the bucket, e.g. "token bucket (capacity 5, 1 token every 1s)".
func (b *TokenBucket) Name() string {
	return fmt.Sprintf("token bucket (capacity %d, 1 token every %v)", b.capacity, b.every)
}

// Allow takes a token if there is one.
func (b *TokenBucket) Allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill(b.clock.Now())
	if b.tokens == 0 {
		return false
	}
	b.tokens--
	return true
}

// Acquire takes a token or returns an error wrapping ErrLimited. It never waits.
func (b *TokenBucket) Acquire(context.Context) error {
	if b.Allow() {
		return nil
	}
	return limited(b)
}

// refill adds the tokens earned since last, counting in whole periods so
// that no fraction of a period is lost between calls.
func (b *TokenBucket) refill(now time.Time) {
	if b.tokens >= b.capacity {
		// A full bucket earns nothing: the next period starts now.
		b.last = now
		return
	}
	n := int64(now.Sub(b.last) / b.every)
	if n <= 0 {
		return // within the period, or the clock went back
	}
	if n >= b.capacity-b.tokens {
		b.tokens = b.capacity
		b.last = now
		return
	}
	b.tokens += n
	b.last = b.last.Add(time.Duration(n) * b.every)
}
