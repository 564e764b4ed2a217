package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// MaxSlidingWindowLimit bounds the limit of a SlidingWindow, which keeps one
// timestamp per call it may let through.
const MaxSlidingWindowLimit = 1 << 20

// SlidingWindow lets a call through only if fewer than limit calls passed
// in the window that ends now. It remembers the times of the last limit
// calls it let through (a sliding log in a ring), so it is exact and has no
// boundary burst, at the cost of memory proportional to limit.
type SlidingWindow struct {
	clock  Clock
	limit  int
	window time.Duration

	mu     sync.Mutex
	stamps []time.Time // ring of the times of the last passed calls
	head   int         // index of the oldest stamp
}

// NewSlidingWindow returns a limiter that lets limit calls through in any
// window of the given length.
func NewSlidingWindow(limit int, window time.Duration, opts ...Option) (*SlidingWindow, error) {
	if err := checkRate("sliding window limit", limit, window); err != nil {
		return nil, err
	}
	if limit > MaxSlidingWindowLimit {
		return nil, fmt.Errorf("ratelimit: sliding window limit %d is above %d; use a shorter window", limit, MaxSlidingWindowLimit)
	}
	o := buildOptions(opts)
	return &SlidingWindow{clock: o.clock, limit: limit, window: window, stamps: make([]time.Time, 0, limit)}, nil
}

// Name describes the limiter, e.g. "sliding window (5 calls per 1s)".
func (w *SlidingWindow) Name() string {
	return fmt.Sprintf("sliding window (%d calls per %v)", w.limit, w.window)
}

// Allow lets the call through if the window ending now has room.
func (w *SlidingWindow) Allow() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clock.Now()
	if len(w.stamps) < w.limit {
		w.stamps = append(w.stamps, now)
		return true
	}
	// The ring is full: the call may pass only if the oldest of the last
	// limit calls has left the window.
	if now.Sub(w.stamps[w.head]) < w.window {
		return false
	}
	w.stamps[w.head] = now
	w.head = (w.head + 1) % w.limit
	return true
}

// Acquire lets the call through or returns an error wrapping ErrLimited. It never waits.
func (w *SlidingWindow) Acquire(context.Context) error {
	if w.Allow() {
		return nil
	}
	return limited(w)
}
