// Package geecache is a read-through cache: a Group answers Get from its
// memory and, on a miss, loads the value through a user callback (the
// Getter) and keeps it for the next caller.
package geecache

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"
	"sync/atomic"

	pb "gee-cache/day7-proto-buf/geecache/geecachepb"
	"gee-cache/day7-proto-buf/geecache/singleflight"
)

// A Getter loads the value of a key from the source of truth (a database,
// a file, a computation) when the cache does not have it. ctx is the
// context of the Get that missed: a Getter that waits on I/O should give up
// when ctx is done.
type Getter interface {
	Get(ctx context.Context, key string) ([]byte, error)
}

// A GetterFunc is a function that implements Getter.
type GetterFunc func(ctx context.Context, key string) ([]byte, error)

// Get calls f(ctx, key).
func (f GetterFunc) Get(ctx context.Context, key string) ([]byte, error) {
	return f(ctx, key)
}

// ErrEmptyKey is returned by Get for the empty key.
var ErrEmptyKey = errors.New("geecache: key is required")

// A Group is a cache namespace: a name, a byte budget and the Getter that
// loads what is missing. It is safe for concurrent use.
type Group struct {
	name      string
	getter    Getter
	mainCache cache
	peers     PeerPicker
	loader    singleflight.Group // one load per key at a time
	stats     groupStats
}

// Stats are counters of a Group since it was created.
type Stats struct {
	Gets          int64 // calls to Get with a valid key
	Hits          int64 // Gets answered from the cache
	Loads         int64 // Gets that missed the cache
	LoadsDeduped  int64 // loads left after concurrent misses of a key were merged
	LocalLoads    int64 // successful calls of the Getter
	LocalLoadErrs int64 // failed calls of the Getter

	PeerLoads      int64 // values fetched from the key's owner
	PeerErrors     int64 // failed requests to owners (transport or owner's loader)
	ServerRequests int64 // Gets that arrived from peers
}

type groupStats struct {
	gets, hits, loads, loadsDeduped, localLoads, localLoadErrs atomic.Int64
	peerLoads, peerErrors, serverRequests                      atomic.Int64
}

var (
	mu     sync.RWMutex
	groups = make(map[string]*Group)
)

// NewGroup creates the group name, holding at most cacheBytes bytes and
// loading misses through getter. cacheBytes 0 (or less) turns caching off:
// every Get loads, as in groupcache. (lru.New and the well-known version
// read 0 as "unbounded": there a budget left at 0 grows without limit.)
//
// It panics if getter is nil or if a group of that name already exists:
// both are programming errors, and silently replacing a group would leave
// earlier users holding a group that GetGroup no longer returns.
func NewGroup(name string, cacheBytes int64, getter Getter) *Group {
	if getter == nil {
		panic("geecache: nil Getter")
	}
	mu.Lock()
	defer mu.Unlock()
	if _, dup := groups[name]; dup {
		panic(fmt.Sprintf("geecache: group %q already registered", name))
	}
	g := &Group{
		name:      name,
		getter:    getter,
		mainCache: cache{cacheBytes: cacheBytes},
	}
	groups[name] = g
	return g
}

// GetGroup returns the group created with NewGroup under name, or nil.
func GetGroup(name string) *Group {
	mu.RLock()
	defer mu.RUnlock()
	return groups[name]
}

// Name returns the group's name.
func (g *Group) Name() string {
	return g.name
}

// RegisterPeers lets the group fetch the keys owned by other nodes through
// peers. Call it once, before the group serves Gets; a second call panics.
func (g *Group) RegisterPeers(peers PeerPicker) {
	if peers == nil {
		panic("geecache: nil PeerPicker")
	}
	if g.peers != nil {
		panic("geecache: RegisterPeers called more than once")
	}
	g.peers = peers
}

// Get returns the value of key: from the cache, else from the key's owner
// among the peers, else from the Getter. A Getter error (this node's or the
// owner's) is returned and nothing is cached. ctx reaches the Getter, or
// the request to the owner and through it the owner's Getter.
func (g *Group) Get(ctx context.Context, key string) (ByteView, error) {
	return g.get(ctx, key, true)
}

// get is Get; forward says whether a miss may be fetched from another
// node. Requests that arrive from a peer are not forwarded again, so nodes
// whose peer lists disagree cannot bounce a key between them.
func (g *Group) get(ctx context.Context, key string, forward bool) (ByteView, error) {
	if key == "" {
		return ByteView{}, ErrEmptyKey
	}
	g.stats.gets.Add(1)
	if v, ok := g.mainCache.get(key); ok {
		g.stats.hits.Add(1)
		return v, nil
	}
	g.stats.loads.Add(1)
	return g.load(ctx, key, forward)
}

// Stats returns a snapshot of the group's counters.
func (g *Group) Stats() Stats {
	return Stats{
		Gets:          g.stats.gets.Load(),
		Hits:          g.stats.hits.Load(),
		Loads:         g.stats.loads.Load(),
		LoadsDeduped:  g.stats.loadsDeduped.Load(),
		LocalLoads:    g.stats.localLoads.Load(),
		LocalLoadErrs: g.stats.localLoadErrs.Load(),

		PeerLoads:      g.stats.peerLoads.Load(),
		PeerErrors:     g.stats.peerErrors.Load(),
		ServerRequests: g.stats.serverRequests.Load(),
	}
}

// load fetches a missing key. Concurrent misses of the same key share one
// load, whether it goes to the owner or to the Getter: a hot key that
// drops out of the cache costs one load, not one per caller.
//
// The load runs with the ctx of the caller that started it. If that caller
// gives up, a waiting caller whose own ctx is still live loads again rather
// than return the other caller's cancellation (groupcache returns it).
func (g *Group) load(ctx context.Context, key string, forward bool) (ByteView, error) {
	ran := false
	v, err := g.loader.Do(key, func() (any, error) {
		ran = true
		// The flight that just ended may have filled the cache.
		if v, ok := g.mainCache.get(key); ok {
			return v, nil
		}
		g.stats.loadsDeduped.Add(1)
		return g.loadFromPeerOrLocally(ctx, key, forward)
	})
	if !ran && ctx.Err() == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return g.load(ctx, key, forward)
	}
	if err != nil {
		return ByteView{}, err
	}
	return v.(ByteView), nil
}

func (g *Group) loadFromPeerOrLocally(ctx context.Context, key string, forward bool) (ByteView, error) {
	if forward && g.peers != nil {
		if peer, ok := g.peers.PickPeer(key); ok {
			value, err := g.getFromPeer(ctx, peer, key)
			if err == nil {
				g.stats.peerLoads.Add(1)
				return value, nil
			}
			g.stats.peerErrors.Add(1)
			var ownerFailed *PeerLoadError
			if errors.As(err, &ownerFailed) || ctx.Err() != nil {
				return ByteView{}, err // the owner tried, or the caller gave up: no second load
			}
			log.Printf("[GeeCache] peer failed, loading %q locally: %v", key, err)
		}
	}
	return g.getLocally(ctx, key)
}

func (g *Group) getFromPeer(ctx context.Context, peer PeerGetter, key string) (ByteView, error) {
	req := &pb.Request{Group: g.name, Key: key}
	res := &pb.Response{}
	if err := peer.Get(ctx, req, res); err != nil {
		return ByteView{}, err
	}
	return ByteView{b: res.Value}, nil
}

func (g *Group) getLocally(ctx context.Context, key string) (ByteView, error) {
	b, err := g.getter.Get(ctx, key)
	if err != nil {
		g.stats.localLoadErrs.Add(1)
		return ByteView{}, err
	}
	g.stats.localLoads.Add(1)
	// Copy: the Getter may keep and reuse its slice.
	value := ByteView{b: cloneBytes(b)}
	g.populateCache(key, value)
	return value, nil
}

func (g *Group) populateCache(key string, value ByteView) {
	g.mainCache.add(key, value)
}
