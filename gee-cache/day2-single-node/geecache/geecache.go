// Package geecache is a read-through cache: a Group answers Get from its
// memory and, on a miss, loads the value through a user callback (the
// Getter) and keeps it for the next caller.
package geecache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
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
	stats     groupStats
}

// Stats are counters of a Group since it was created.
type Stats struct {
	Gets          int64 // calls to Get with a valid key
	Hits          int64 // Gets answered from the cache
	Loads         int64 // Gets that missed the cache
	LocalLoads    int64 // successful calls of the Getter
	LocalLoadErrs int64 // failed calls of the Getter
}

type groupStats struct {
	gets, hits, loads, localLoads, localLoadErrs atomic.Int64
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

// Get returns the value of key, from the cache or else from the Getter,
// which is called with ctx. A Getter error is returned as it is and nothing
// is cached.
func (g *Group) Get(ctx context.Context, key string) (ByteView, error) {
	if key == "" {
		return ByteView{}, ErrEmptyKey
	}
	g.stats.gets.Add(1)
	if v, ok := g.mainCache.get(key); ok {
		g.stats.hits.Add(1)
		return v, nil
	}
	g.stats.loads.Add(1)
	return g.load(ctx, key)
}

// Stats returns a snapshot of the group's counters.
func (g *Group) Stats() Stats {
	return Stats{
		Gets:          g.stats.gets.Load(),
		Hits:          g.stats.hits.Load(),
		Loads:         g.stats.loads.Load(),
		LocalLoads:    g.stats.localLoads.Load(),
		LocalLoadErrs: g.stats.localLoadErrs.Load(),
	}
}

func (g *Group) load(ctx context.Context, key string) (ByteView, error) {
	return g.getLocally(ctx, key)
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
