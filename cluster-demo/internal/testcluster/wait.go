package testcluster

import (
	"runtime"
	"testing"
	"time"
)

// pollLimit bounds every wait of this file: far above any healthy wait, so
// only a real hang fails a test.
const pollLimit = 10 * time.Second

// eventually polls cond every millisecond until it holds (true) or
// pollLimit has passed (false).
func eventually(cond func() bool) bool {
	for deadline := time.Now().Add(pollLimit); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// WaitFor waits until cond holds, failing t with what after pollLimit. It
// is for conditions no event announces to the test: a call parked inside
// a server, a list reaching another goroutine, a peer closing a connection.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	if !eventually(cond) {
		t.Fatalf("waited %v for %s", pollLimit, what)
	}
}

// SettleGoroutines waits until at most base goroutines run (those a Close
// ends take a moment to return), failing t with every stack after
// pollLimit: the goroutines still there are the leak.
func SettleGoroutines(t testing.TB, base int) {
	t.Helper()
	if !eventually(func() bool { return runtime.NumGoroutine() <= base }) {
		buf := make([]byte, 1<<20)
		t.Fatalf("%d goroutines left after %v, want at most %d\n%s", runtime.NumGoroutine(), pollLimit, base, buf[:runtime.Stack(buf, true)])
	}
}
