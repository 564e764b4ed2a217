package ratelimit

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// FixedWindow counts calls in consecutive windows of equal length and
// rejects a call once limit calls passed in the current window. It is the
// cheapest limiter, but a burst at the end of one window and another at the
// start of the next can let 2*limit calls through within one window length.
type FixedWindow struct {
	clock  Clock
	limit  int64
	window time.Duration

	mu    sync.Mutex
	start time.Time // start of the current window
	count int64
}

// NewFixedWindow returns a limiter that lets limit calls through per window.
// The first window starts now.
func NewFixedWindow(limit int, window time.Duration, opts ...Option) (*FixedWindow, error) {
	if err := checkRate("fixed window limit", limit, window); err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	return &FixedWindow{clock: o.clock, limit: int64(limit), window: window, start: o.clock.Now()}, nil
}

// Name describes the limiter, e.g. "fixed window (5 calls per 1s)".
func (w *FixedWindow) Name() string {
	return fmt.Sprintf("fixed window (%d calls per %v)", w.limit, w.window)
}

// Allow counts the call if the current window has room.
func (w *FixedWindow) Allow() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clock.Now()
	if elapsed := now.Sub(w.start); elapsed >= w.window {
		// Windows stay aligned to the first one, however long we were idle.
		w.start = w.start.Add(elapsed - elapsed%w.window)
		w.count = 0
	}
	if w.count >= w.limit {
		return false
	}
	w.count++
	return true
}

// Acquire counts the call or returns an error wrapping ErrLimited. It never waits.
func (w *FixedWindow) Acquire(context.Context) error {
	if w.Allow() {
		return nil
	}
	return limited(w)
}
