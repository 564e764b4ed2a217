package geerpc

import (
	"context"
	"runtime"
	"sync/atomic"

	"gee-rpc/day8-performance/geerpc/codec"
)

// sender lets many goroutines send frames on one codec, and sends frames
// that gather in a row with one system call instead of one each.
//
// A writer locks, writes its frame into the codec's buffer and finishes.
// It flushes only if nobody else is waiting to write: then the last writer
// of a burst flushes for all of them. A writer that need not wait for its
// frame to leave (Go, and the server's responses) finishes later instead:
// the flusher, a goroutine of the sender's own, then flushes, and whatever
// was written meanwhile leaves with it.
type sender struct {
	token chan struct{} // held while a frame is written or flushed
	// waiting counts the writers from lock to finish, the holder of the
	// token included; a Mutex cannot tell whether anyone waits for it.
	waiting atomic.Int32
	kick    chan struct{} // wakes the flusher
	stop    chan struct{} // closed to end the flusher
}

// newSender starts the flusher of cc; it hands the errors of its flushes
// to failed.
func newSender(cc codec.Codec, failed func(error)) *sender {
	s := &sender{token: make(chan struct{}, 1), kick: make(chan struct{}, 1), stop: make(chan struct{})}
	go s.flusher(cc, failed)
	return s
}

// lock waits for the token, or for ctx to end: then it returns ctx's
// error and holds nothing.
func (s *sender) lock(ctx context.Context) error {
	s.waiting.Add(1)
	select {
	case s.token <- struct{}{}:
		if err := ctx.Err(); err != nil {
			s.finishLater()
			s.release()
			return err
		}
		return nil
	case <-ctx.Done():
		if s.waiting.Add(-1) == 0 {
			// The writer before may have left its frame for us to
			// flush.
			s.later()
		}
		return ctx.Err()
	}
}

// finish flushes cc unless another writer is waiting; that one will flush.
// A writer that finds nobody waiting yields once before it decides: the
// goroutines that are ready to write queue up behind it meanwhile, and
// their frames leave with its own. A failed flush closes cc (the codec
// does), so nobody waits for answers to requests that were never sent.
func (s *sender) finish(cc codec.Codec) error {
	if s.waiting.Add(-1) > 0 {
		return nil
	}
	runtime.Gosched()
	if s.waiting.Load() > 0 {
		return nil
	}
	return cc.Flush()
}

// finishLater leaves the flush to the flusher.
func (s *sender) finishLater() {
	s.waiting.Add(-1)
	s.later()
}

func (s *sender) release() { <-s.token }

// later wakes the flusher, unless it is awake already.
func (s *sender) later() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// flusher flushes when woken, as a writer with nothing to write.
func (s *sender) flusher(cc codec.Codec, failed func(error)) {
	for {
		select {
		case <-s.kick:
		case <-s.stop:
			return
		}
		_ = s.lock(context.Background())
		if err := s.finish(cc); err != nil {
			failed(err)
		}
		s.release()
	}
}

// flush flushes what was written so far, now.
func (s *sender) flush(cc codec.Codec) error {
	_ = s.lock(context.Background())
	defer s.release()
	return s.finish(cc)
}

// close ends the flusher.
func (s *sender) close() { close(s.stop) }
