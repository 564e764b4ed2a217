package ratelimit

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"cluster-demo/internal/testcluster"
)

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// allower is what the non-waiting limiters offer besides Limiter.
type allower interface {
	Limiter
	Allow() bool
}

// passes counts how many of n calls at the clock's current time pass.
func passes(l allower, n int) int {
	ok := 0
	for range n {
		if l.Allow() {
			ok++
		}
	}
	return ok
}

func TestTokenBucketBurstThenRefill(t *testing.T) {
	clk := NewManualClock(epoch)
	b, err := NewTokenBucket(3, time.Second, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		advance time.Duration
		calls   int
		want    int
	}{
		{0, 5, 3},                      // a full bucket lets a burst of 3 through
		{time.Second, 5, 1},            // one period earns one token
		{500 * time.Millisecond, 1, 0}, // half a period earns nothing yet
		{500 * time.Millisecond, 1, 1}, // ...but the half is not lost
		{time.Hour, 10, 3},             // idle time never overfills the bucket
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		if got := passes(b, s.calls); got != s.want {
			t.Fatalf("step %d: %d of %d calls passed, want %d", i, got, s.calls, s.want)
		}
	}
}

func TestTokenBucketFullBucketRestartsRefillPeriod(t *testing.T) {
	clk := NewManualClock(epoch)
	b, _ := NewTokenBucket(1, time.Second, WithClock(clk))
	clk.Advance(900 * time.Millisecond) // full all along: earns nothing
	if !b.Allow() {
		t.Fatal("first call rejected")
	}
	clk.Advance(200 * time.Millisecond)
	if b.Allow() {
		t.Fatal("a token was earned from time the bucket spent full")
	}
	clk.Advance(800 * time.Millisecond)
	if !b.Allow() {
		t.Fatal("no token one period after the bucket was emptied")
	}
}

func TestFixedWindowCountsPerWindow(t *testing.T) {
	clk := NewManualClock(epoch)
	w, err := NewFixedWindow(3, time.Second, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	if got := passes(w, 5); got != 3 {
		t.Fatalf("first window: %d passed, want 3", got)
	}
	clk.Advance(999 * time.Millisecond)
	if w.Allow() {
		t.Fatal("call passed in a full window")
	}
	clk.Advance(time.Millisecond)
	if got := passes(w, 5); got != 3 {
		t.Fatalf("second window: %d passed, want 3", got)
	}
	// After a long idle spell windows stay aligned to the first one:
	// 10.5s in, the window [10s, 11s) ends after 0.5s.
	clk.Advance(9500 * time.Millisecond)
	if got := passes(w, 5); got != 3 {
		t.Fatalf("window after idle: %d passed, want 3", got)
	}
	clk.Advance(500 * time.Millisecond)
	if got := passes(w, 5); got != 3 {
		t.Fatalf("aligned next window: %d passed, want 3", got)
	}
}

// TestFixedWindowLetsDoubleBurstAcrossBoundary documents the pitfall the
// sliding window exists for.
func TestFixedWindowLetsDoubleBurstAcrossBoundary(t *testing.T) {
	clk := NewManualClock(epoch)
	w, _ := NewFixedWindow(3, time.Second, WithClock(clk))
	clk.Advance(900 * time.Millisecond)
	first := passes(w, 3)
	clk.Advance(100 * time.Millisecond)
	second := passes(w, 3)
	if first+second != 6 {
		t.Fatalf("%d calls passed within 100ms, want 6 (2*limit)", first+second)
	}
}

func TestSlidingWindowHasNoBoundaryBurst(t *testing.T) {
	clk := NewManualClock(epoch)
	w, err := NewSlidingWindow(3, time.Second, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(900 * time.Millisecond)
	first := passes(w, 3)
	clk.Advance(100 * time.Millisecond)
	second := passes(w, 3)
	if first != 3 || second != 0 {
		t.Fatalf("passed %d then %d within 100ms, want 3 then 0", first, second)
	}
}

func TestSlidingWindowFreesSlotsAsCallsAge(t *testing.T) {
	clk := NewManualClock(epoch)
	w, _ := NewSlidingWindow(3, time.Second, WithClock(clk))
	// Calls at 0ms, 500ms, 900ms fill the window.
	for _, step := range []time.Duration{0, 500 * time.Millisecond, 400 * time.Millisecond} {
		clk.Advance(step)
		if !w.Allow() {
			t.Fatalf("call at %v rejected", clk.Now().Sub(epoch))
		}
	}
	steps := []struct {
		advance time.Duration // from the previous step
		want    int
	}{
		{99 * time.Millisecond, 0},  // 999ms: the 0ms call is still in the window
		{1 * time.Millisecond, 1},   // 1000ms: it left
		{200 * time.Millisecond, 0}, // 1200ms: 500ms, 900ms, 1000ms are in
		{300 * time.Millisecond, 1}, // 1500ms: 500ms left
		{2 * time.Second, 3},        // everything left
	}
	for _, s := range steps {
		clk.Advance(s.advance)
		if got := passes(w, 3); got != s.want {
			t.Fatalf("at %v: %d passed, want %d", clk.Now().Sub(epoch), got, s.want)
		}
	}
}

func TestLeakyBucketSpacesCallsOut(t *testing.T) {
	clk := NewManualClock(epoch)
	b, err := NewLeakyBucket(3, time.Second, WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	type res struct {
		wait time.Duration
		ok   bool
	}
	reserve := func() res { w, ok := b.Reserve(); return res{w, ok} }
	want := []res{{0, true}, {time.Second, true}, {2 * time.Second, true}, {0, false}, {0, false}}
	for i, w := range want {
		if got := reserve(); got != w {
			t.Fatalf("burst call %d: got %+v, want %+v", i, got, w)
		}
	}
	// One period later one call has gone out, so one more fits, at the back.
	clk.Advance(time.Second)
	if got := reserve(); got != (res{2 * time.Second, true}) {
		t.Fatalf("after one period: got %+v", got)
	}
	if got := reserve(); got.ok {
		t.Fatalf("bucket should be full again, got %+v", got)
	}
	// A drained bucket lets the next call out at once: idle time is not saved up.
	clk.Advance(time.Hour)
	want = []res{{0, true}, {time.Second, true}}
	for i, w := range want {
		if got := reserve(); got != w {
			t.Fatalf("after idle, call %d: got %+v, want %+v", i, got, w)
		}
	}
}

func TestLeakyBucketAcquireWaitsOnTheClock(t *testing.T) {
	clk := NewManualClock(epoch)
	b, _ := NewLeakyBucket(2, time.Second, WithClock(clk))
	if err := b.Acquire(context.Background()); err != nil {
		t.Fatalf("first call: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- b.Acquire(context.Background()) }()
	testcluster.WaitFor(t, "second call to park on the clock", func() bool { return clk.Waiters() == 1 })
	if err := b.Acquire(context.Background()); !errors.Is(err, ErrLimited) {
		t.Fatalf("third call: got %v, want ErrLimited", err)
	}
	select {
	case err := <-done:
		t.Fatalf("second call went out before its slot: %v", err)
	default:
	}
	clk.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatalf("second call after its slot: %v", err)
	}
}

func TestLeakyBucketAcquireStopsWhenContextEnds(t *testing.T) {
	clk := NewManualClock(epoch)
	b, _ := NewLeakyBucket(2, time.Second, WithClock(clk))
	_ = b.Acquire(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Acquire(ctx) }()
	testcluster.WaitFor(t, "call to park on the clock", func() bool { return clk.Waiters() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
}

func TestRejectionErrorNamesTheLimiter(t *testing.T) {
	clk := NewManualClock(epoch)
	tb, _ := NewTokenBucket(1, time.Second, WithClock(clk))
	lb, _ := NewLeakyBucket(1, time.Second, WithClock(clk))
	fw, _ := NewFixedWindow(1, time.Second, WithClock(clk))
	sw, _ := NewSlidingWindow(1, time.Second, WithClock(clk))
	for _, l := range []Limiter{tb, lb, fw, sw} {
		_ = l.Acquire(context.Background())
		err := l.Acquire(context.Background())
		if !errors.Is(err, ErrLimited) || !strings.Contains(err.Error(), l.Name()) {
			t.Errorf("%s: second call got %v, want ErrLimited naming the limiter", l.Name(), err)
		}
	}
}

func TestConstructorsRejectBadSettings(t *testing.T) {
	cases := []struct {
		name string
		make func() (Limiter, error)
	}{
		{"token bucket zero capacity", func() (Limiter, error) { return NewTokenBucket(0, time.Second) }},
		{"token bucket zero period", func() (Limiter, error) { return NewTokenBucket(1, 0) }},
		{"leaky bucket negative capacity", func() (Limiter, error) { return NewLeakyBucket(-1, time.Second) }},
		{"leaky bucket negative period", func() (Limiter, error) { return NewLeakyBucket(1, -time.Second) }},
		{"leaky bucket overflowing wait", func() (Limiter, error) { return NewLeakyBucket(1<<40, time.Hour) }},
		{"fixed window zero limit", func() (Limiter, error) { return NewFixedWindow(0, time.Second) }},
		{"sliding window zero window", func() (Limiter, error) { return NewSlidingWindow(1, 0) }},
		{"sliding window huge limit", func() (Limiter, error) { return NewSlidingWindow(MaxSlidingWindowLimit+1, time.Second) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l, err := c.make()
			if err == nil || !strings.HasPrefix(err.Error(), "ratelimit: ") {
				t.Fatalf("got limiter %v, error %v; want a ratelimit error", l, err)
			}
		})
	}
}

func TestLimitersAreExactUnderConcurrency(t *testing.T) {
	clk := NewManualClock(epoch)
	tb, _ := NewTokenBucket(10, time.Second, WithClock(clk))
	fw, _ := NewFixedWindow(10, time.Second, WithClock(clk))
	sw, _ := NewSlidingWindow(10, time.Second, WithClock(clk))
	for _, l := range []allower{tb, fw, sw} {
		var passed atomic.Int32
		var wg sync.WaitGroup
		for range 100 {
			wg.Go(func() {
				if l.Allow() {
					passed.Add(1)
				}
			})
		}
		wg.Wait()
		if passed.Load() != 10 {
			t.Errorf("%s: %d of 100 concurrent calls passed, want 10", l.Name(), passed.Load())
		}
	}
	// The leaky bucket books slots instead: exactly capacity of them, each
	// one period after the other, however the callers interleave.
	lb, _ := NewLeakyBucket(10, time.Second, WithClock(clk))
	var mu sync.Mutex
	var waits []time.Duration
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			if wait, ok := lb.Reserve(); ok {
				mu.Lock()
				waits = append(waits, wait)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(waits)
	for i, w := range waits {
		if w != time.Duration(i)*time.Second {
			t.Fatalf("%s: booked waits %v, want 0s, 1s, ... 9s", lb.Name(), waits)
		}
	}
	if len(waits) != 10 {
		t.Errorf("%s: %d of 100 concurrent calls booked a slot, want 10", lb.Name(), len(waits))
	}
}

// TestLeakyBucketBurstGetsCapacityCallsEvenWhenTimeMoves is the regression
// test for an off-by-one: with the bucket compared against capacity whole
// periods, a burst arriving a moment after the first call went out got
// capacity+1 calls through.
func TestLeakyBucketBurstGetsCapacityCallsEvenWhenTimeMoves(t *testing.T) {
	clk := NewManualClock(epoch)
	b, _ := NewLeakyBucket(3, time.Second, WithClock(clk))
	passed := 0
	for range 10 {
		if _, ok := b.Reserve(); ok {
			passed++
		}
		clk.Advance(time.Microsecond) // a real burst is never instantaneous
	}
	if passed != 3 {
		t.Fatalf("%d of a burst of 10 passed, want 3", passed)
	}
}
