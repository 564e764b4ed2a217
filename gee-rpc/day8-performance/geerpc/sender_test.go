package geerpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gee-rpc/day8-performance/geerpc/codec"
)

// recordingCodec records the order of writes and flushes.
type recordingCodec struct {
	mu       sync.Mutex
	events   []string
	flushErr error // what Flush returns
}

func (c *recordingCodec) record(e string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, e)
}

func (c *recordingCodec) Write(h *codec.Header, body any) error {
	c.record(fmt.Sprintf("write %d", h.Seq))
	return nil
}

func (c *recordingCodec) Flush() error                   { c.record("flush"); return c.flushErr }
func (c *recordingCodec) ReadHeader(*codec.Header) error { return nil }
func (c *recordingCodec) ReadBody(any) error             { return nil }
func (c *recordingCodec) Close() error                   { return nil }

func (c *recordingCodec) snapshot() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events)
}

// waitEvents polls until the codec has seen want, for up to 5 s.
func waitEvents(t *testing.T, cc *recordingCodec, want []string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Equal(cc.snapshot(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("events %v, want %v", cc.snapshot(), want)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitWaiting polls until n writers are counted, for up to 5 s.
func waitWaiting(t *testing.T, s *sender, n int32) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for s.waiting.Load() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d writers counted, want %d", s.waiting.Load(), n)
		}
		runtime.Gosched()
	}
}

func newTestSender(t *testing.T, cc codec.Codec, failed func(error)) *sender {
	s := newSender(cc, failed)
	t.Cleanup(s.close)
	return s
}

func TestSenderAloneFlushesAtOnce(t *testing.T) {
	cc := new(recordingCodec)
	s := newTestSender(t, cc, func(error) {})
	_ = s.lock(context.Background())
	_ = cc.Write(&codec.Header{Seq: 1}, nil)
	if err := s.finish(cc); err != nil {
		t.Fatal(err)
	}
	s.release()
	if want := []string{"write 1", "flush"}; !slices.Equal(cc.snapshot(), want) {
		t.Fatalf("events %v, want %v", cc.snapshot(), want)
	}
}

// Frames that queue up behind a writer leave together: only the last
// writer of the burst flushes, and it always does.
func TestSenderLastWriterOfABurstFlushes(t *testing.T) {
	cc := new(recordingCodec)
	s := newTestSender(t, cc, func(error) {})
	_ = s.lock(context.Background())
	_ = cc.Write(&codec.Header{Seq: 1}, nil)
	done := make(chan error)
	go func() {
		_ = s.lock(context.Background())
		_ = cc.Write(&codec.Header{Seq: 2}, nil)
		err := s.finish(cc)
		s.release()
		done <- err
	}()
	waitWaiting(t, s, 2) // the second writer is queued
	if err := s.finish(cc); err != nil {
		t.Fatal(err)
	}
	s.release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if want := []string{"write 1", "write 2", "flush"}; !slices.Equal(cc.snapshot(), want) {
		t.Fatalf("events %v, want %v", cc.snapshot(), want)
	}
}

// A writer that stops waiting (its context ended) after the one before it
// left the flush to it must not leave that frame in the buffer.
func TestSenderWriterThatGivesUpLeavesNoFrameUnsent(t *testing.T) {
	cc := new(recordingCodec)
	s := newTestSender(t, cc, func(error) {})
	_ = s.lock(context.Background())
	_ = cc.Write(&codec.Header{Seq: 1}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := make(chan error)
	go func() { gaveUp <- s.lock(ctx) }()
	waitWaiting(t, s, 2)
	if err := s.finish(cc); err != nil { // the second writer will flush
		t.Fatal(err)
	}
	cancel() // it will not
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("lock = %v, want context.Canceled", err)
	}
	s.release()
	waitEvents(t, cc, []string{"write 1", "flush"}) // the flusher did
}

func TestFlusherSendsWhatWasWrittenLater(t *testing.T) {
	cc := &recordingCodec{flushErr: errors.New("broken pipe")}
	failed := make(chan error, 1)
	s := newTestSender(t, cc, func(err error) { failed <- err })
	_ = s.lock(context.Background())
	_ = cc.Write(&codec.Header{Seq: 1}, nil)
	s.finishLater()
	s.release()
	waitEvents(t, cc, []string{"write 1", "flush"})
	select {
	case err := <-failed:
		if err == nil || err.Error() != "broken pipe" {
			t.Fatalf("failed(%v), want the flush error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the flusher did not report its failed flush")
	}
}

func TestSenderCloseEndsTheFlusher(t *testing.T) {
	baseline := runtime.NumGoroutine()
	s := newSender(new(recordingCodec), func(error) {})
	s.close()
	waitGoroutines(t, baseline)
}

// countingConn counts the writes that reach the connection.
type countingConn struct {
	net.Conn
	writes atomic.Int32
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// Requests written while others wait for their turn leave in one write:
// 20 calls, 10 by Go and 10 by Call, cost the client one system call.
func TestBurstOfRequestsLeavesInOneWrite(t *testing.T) {
	_, addr, _ := newTestServer(t)
	inner, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	conn := &countingConn{Conn: inner}
	client, err := NewClient(conn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	conn.writes.Store(0) // the option went out on its own

	client.sending.token <- struct{}{} // hold every writer back
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			var reply int
			if i%2 == 0 {
				errs <- waitCall(t, client.Go("Foo.Sum", Args{i, 1}, &reply, nil)).Error
				return
			}
			errs <- client.Call(context.Background(), "Foo.Sum", Args{i, 1}, &reply)
		})
	}
	waitWaiting(t, client.sending, 20)
	client.sending.release()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := conn.writes.Load(); n != 1 {
		t.Fatalf("the client wrote %d times for a burst of 20 requests, want once", n)
	}
}

// The allocations of one call, client and server together, as the
// benchmark's allocs/op counts them: day7 makes 22 for this call.
func TestCallAllocations(t *testing.T) {
	_, addr, _ := newTestServer(t)
	client := dialTest(t, addr, nil)
	args := &Args{1, 2}
	var reply int
	allocs := testing.AllocsPerRun(200, func() {
		if err := client.Call(context.Background(), "Foo.PtrSum", args, &reply); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 15 {
		t.Fatalf("%.0f allocations per call, want at most 15", allocs)
	}
}
