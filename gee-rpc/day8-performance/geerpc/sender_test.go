package geerpc

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"gee-rpc/day8-performance/geerpc/codec"
)

// recordingCodec records the order of writes, flushes and closes.
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
func (c *recordingCodec) Close() error                   { c.record("close"); return nil }

func TestSenderAloneFlushesAtOnce(t *testing.T) {
	cc := new(recordingCodec)
	s := new(sender)
	s.lock()
	_ = cc.Write(&codec.Header{Seq: 1}, nil)
	if err := s.unlock(cc); err != nil {
		t.Fatal(err)
	}
	if want := []string{"write 1", "flush"}; !slices.Equal(cc.events, want) {
		t.Fatalf("events %v, want %v", cc.events, want)
	}
}

// Frames that queue up behind a writer leave together: only the last
// writer of the burst flushes, and it always does.
func TestSenderFlushesOncePerBurst(t *testing.T) {
	cc := new(recordingCodec)
	s := new(sender)
	s.lock()
	_ = cc.Write(&codec.Header{Seq: 1}, nil)
	done := make(chan error)
	go func() {
		s.lock()
		_ = cc.Write(&codec.Header{Seq: 2}, nil)
		done <- s.unlock(cc)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for s.waiting.Load() != 2 { // the second writer is queued
		if time.Now().After(deadline) {
			t.Fatal("second writer never queued")
		}
		runtime.Gosched()
	}
	if err := s.unlock(cc); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if want := []string{"write 1", "write 2", "flush"}; !slices.Equal(cc.events, want) {
		t.Fatalf("events %v, want %v", cc.events, want)
	}
}

// A failed flush leaves the buffer broken for good; the connection is
// closed so that its reader fails too instead of waiting forever.
func TestSenderClosesCodecWhenFlushFails(t *testing.T) {
	cc := &recordingCodec{flushErr: errors.New("broken pipe")}
	s := new(sender)
	s.lock()
	_ = cc.Write(&codec.Header{Seq: 1}, nil)
	if err := s.unlock(cc); err == nil || err.Error() != "broken pipe" {
		t.Fatalf("unlock = %v, want the flush error", err)
	}
	if want := []string{"write 1", "flush", "close"}; !slices.Equal(cc.events, want) {
		t.Fatalf("events %v, want %v", cc.events, want)
	}
}
