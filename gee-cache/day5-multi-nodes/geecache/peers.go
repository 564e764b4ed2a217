package geecache

import (
	"context"
	"fmt"
)

// PeerPicker finds the peer that owns a key.
type PeerPicker interface {
	// PickPeer returns the owner of key, or ok == false when this node owns
	// it (or knows no peers) and should load the key itself.
	PickPeer(key string) (peer PeerGetter, ok bool)
}

// PeerGetter fetches a value from one peer.
//
// Get returns a *PeerLoadError when the peer was reached and its own loader
// failed: the group returns that error rather than loading the key a second
// time. Any other error is a transport failure (peer down, timeout, garbled
// or unexpected answer), after which the group loads the key locally,
// unless ctx is done: the request then ends with ctx and so does the Get.
type PeerGetter interface {
	Get(ctx context.Context, group string, key string) ([]byte, error)
}

// PeerLoadError reports that the owner of a key could not load it.
type PeerLoadError struct {
	Peer    string // the owner's address
	Key     string
	Message string // the owner's error message
}

// Error reports the owner, the key and the owner's message.
func (e *PeerLoadError) Error() string {
	return fmt.Sprintf("geecache: peer %s could not load %q: %s", e.Peer, e.Key, e.Message)
}
