package geecache

import "math/rand/v2"

// The hot cache is groupcache's answer to a hot spot. Without it a node
// keeps only the keys it owns, so a key that every node reads sends every
// one of those reads to its owner: the owner's network card and CPU become
// the limit however many nodes are added. With it a node also keeps, in a
// second and smaller LRU, values of other nodes' keys that it reads often,
// and answers them itself.

const (
	// hotCacheFraction sets the hot cache's default budget: cacheBytes/8
	// bytes, on top of the main cache's cacheBytes (groupcache lets its hot
	// cache grow to an eighth of the main one).
	hotCacheFraction = 8
	// hotSampleRate: one value in hotSampleRate fetched from an owner is
	// kept hot, as in groupcache. A key read often is soon picked, a key
	// read once seldom is, and no count per key is needed.
	hotSampleRate = 10
)

// SetHotCacheBytes gives the hot cache a budget of n bytes (by default
// cacheBytes/8); 0 turns it off. It empties the hot cache, so call it
// before the group serves Gets.
func (g *Group) SetHotCacheBytes(n int64) {
	g.hotCache.mu.Lock()
	defer g.hotCache.mu.Unlock()
	g.hotCache.cacheBytes = n
	g.hotCache.lru = nil
}

// lookupCache finds key in the main cache, else in the hot cache; hot
// says the value came from the hot cache.
func (g *Group) lookupCache(key string) (value ByteView, hot, ok bool) {
	if value, ok = g.mainCache.get(key); ok {
		return value, false, true
	}
	value, ok = g.hotCache.get(key)
	return value, ok, ok
}

// keepIfHot puts a value just fetched from its owner into the hot cache,
// for one fetch in hotSampleRate.
func (g *Group) keepIfHot(key string, value ByteView) {
	sample := g.hotSample
	if sample == nil {
		sample = func() bool { return rand.IntN(hotSampleRate) == 0 }
	}
	if sample() {
		g.hotCache.add(key, value)
	}
}
