package registry

import "sync"

// Feed is the channel behind a subscription. It holds at most the latest
// list: Send replaces a list nobody has read yet instead of blocking, so a
// slow reader never stalls the registry and always ends up with the newest
// state. Registry implementations use it for Subscribe.
type Feed struct {
	mu     sync.Mutex
	closed bool
	ch     chan []ServiceInstance
}

// NewFeed returns an open feed.
func NewFeed() *Feed {
	return &Feed{ch: make(chan []ServiceInstance, 1)}
}

// C is the channel readers receive lists from; it is closed by Close.
func (f *Feed) C() <-chan []ServiceInstance { return f.ch }

// Send offers list to the reader, replacing an unread older list. It does
// nothing after Close.
func (f *Feed) Send(list []ServiceInstance) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return
	}
	select {
	case <-f.ch: // drop the stale list
	default:
	}
	f.ch <- list // cannot block: only Send writes, under mu, into an emptied buffer
}

// Close closes the channel; later calls do nothing.
func (f *Feed) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.closed {
		f.closed = true
		close(f.ch)
	}
}
