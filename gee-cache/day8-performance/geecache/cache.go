package geecache

import (
	"sync"

	"gee-cache/day8-performance/geecache/lru"
)

// cache makes an lru.Cache safe for concurrent use.
type cache struct {
	mu         sync.Mutex
	lru        *lru.Cache
	cacheBytes int64
}

func (c *cache) add(key string, value ByteView) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cacheBytes <= 0 {
		return // no budget, no caching (as in groupcache)
	}
	if c.lru == nil { // created on first use, so an idle group costs nothing
		c.lru = lru.New(c.cacheBytes, nil)
	}
	c.lru.Add(key, value)
}

func (c *cache) get(key string) (value ByteView, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lru == nil {
		return
	}
	if v, ok := c.lru.Get(key); ok {
		return v.(ByteView), ok
	}
	return
}
