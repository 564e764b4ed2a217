package ratelimit

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// LeakyBucket lets calls out at a steady pace: one every period, never
// faster, however they arrive. A call that finds the pace used up waits its
// turn in the bucket; the bucket holds capacity waiting calls and a call
// that finds it full is rejected, so a burst gets capacity calls through:
// the first at once, the others one period apart. Unlike the token bucket
// it never lets a burst through at once: it smooths the burst out.
type LeakyBucket struct {
	clock    Clock
	capacity int64
	every    time.Duration

	mu   sync.Mutex
	next time.Time // when the next call may go out
}

// NewLeakyBucket returns a bucket that lets one call out every period and
// holds up to capacity calls.
func NewLeakyBucket(capacity int, every time.Duration, opts ...Option) (*LeakyBucket, error) {
	if err := checkRate("leaky bucket capacity", capacity, every); err != nil {
		return nil, err
	}
	if int64(capacity) > math.MaxInt64/int64(every) {
		return nil, fmt.Errorf("ratelimit: leaky bucket of %d calls every %v waits longer than time.Duration can hold", capacity, every)
	}
	o := buildOptions(opts)
	return &LeakyBucket{clock: o.clock, capacity: int64(capacity), every: every}, nil
}

// Name describes the bucket, e.g. "leaky bucket (capacity 5, 1 call every 1s)".
func (b *LeakyBucket) Name() string {
	return fmt.Sprintf("leaky bucket (capacity %d, 1 call every %v)", b.capacity, b.every)
}

// Reserve books the next free slot. ok is false when the bucket is full;
// otherwise wait is how long the call must wait before it goes out.
func (b *LeakyBucket) Reserve() (wait time.Duration, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock.Now()
	if b.next.Before(now) {
		b.next = now // the bucket ran dry: the next slot is now
	}
	wait = b.next.Sub(now)
	// The call fits if its turn comes within capacity-1 periods: then at
	// most capacity calls are waiting, this one included. Comparing with
	// capacity periods instead would admit one call too many as soon as
	// any time passed since the last call went out.
	if wait > time.Duration(b.capacity-1)*b.every {
		return 0, false
	}
	b.next = b.next.Add(b.every)
	return wait, true
}

// Acquire books a slot and waits for it, or returns an error wrapping
// ErrLimited when the bucket is full. If ctx ends while waiting it returns
// ctx.Err(); the slot stays used, so the pace is never exceeded.
func (b *LeakyBucket) Acquire(ctx context.Context) error {
	wait, ok := b.Reserve()
	if !ok {
		return limited(b)
	}
	if wait == 0 {
		return nil
	}
	select {
	case <-b.clock.After(wait):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
