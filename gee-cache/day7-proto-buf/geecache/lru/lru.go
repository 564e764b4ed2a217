// Package lru implements a least-recently-used cache bounded by the bytes
// its entries occupy.
//
// A Cache is not safe for concurrent use; callers that share one between
// goroutines guard it with their own lock.
package lru

import "container/list"

// Value is anything the cache can hold: it only has to report its size.
type Value interface {
	// Len returns the number of bytes the value occupies.
	Len() int
}

// Cache is an LRU cache. The zero value is not usable; create one with New.
type Cache struct {
	maxBytes  int64
	nbytes    int64
	ll        *list.List // front = most recently used
	cache     map[string]*list.Element
	onEvicted func(key string, value Value)
}

type entry struct {
	key   string
	value Value
}

// New returns a cache that holds at most maxBytes bytes, counted as
// len(key) + value.Len() per entry. maxBytes 0 (or less) means unbounded.
// onEvicted, if not nil, is called for every entry that leaves the cache
// because of its byte budget (by eviction, RemoveOldest, or an oversized
// replacement; see Add).
func New(maxBytes int64, onEvicted func(key string, value Value)) *Cache {
	return &Cache{
		maxBytes:  maxBytes,
		ll:        list.New(),
		cache:     make(map[string]*list.Element),
		onEvicted: onEvicted,
	}
}

// Get returns the value stored under key and marks it most recently used.
func (c *Cache) Get(key string) (value Value, ok bool) {
	if ele, hit := c.cache[key]; hit {
		c.ll.MoveToFront(ele)
		return ele.Value.(*entry).value, true
	}
	return nil, false
}

// Add stores value under key as the most recently used entry, replacing
// any previous value, then evicts the least recently used entries until
// the cache fits its budget again.
//
// An entry that alone is larger than the whole budget is not stored: keeping
// it would mean evicting every other entry only to evict it right after.
// Any older value of the same key is removed (and reported to onEvicted),
// so Get never returns a stale value for a key that was just written.
// A nil value counts as zero bytes.
func (c *Cache) Add(key string, value Value) {
	size := int64(len(key)) + sizeOf(value)
	if c.maxBytes > 0 && size > c.maxBytes {
		if ele, ok := c.cache[key]; ok {
			c.removeElement(ele)
		}
		return
	}
	if ele, ok := c.cache[key]; ok {
		c.ll.MoveToFront(ele)
		kv := ele.Value.(*entry)
		c.nbytes += sizeOf(value) - sizeOf(kv.value)
		kv.value = value
	} else {
		c.cache[key] = c.ll.PushFront(&entry{key, value})
		c.nbytes += size
	}
	for c.maxBytes > 0 && c.nbytes > c.maxBytes {
		c.RemoveOldest()
	}
}

// RemoveOldest removes the least recently used entry, if any.
func (c *Cache) RemoveOldest() {
	if ele := c.ll.Back(); ele != nil {
		c.removeElement(ele)
	}
}

// Len returns the number of entries in the cache.
func (c *Cache) Len() int {
	return c.ll.Len()
}

func (c *Cache) removeElement(ele *list.Element) {
	c.ll.Remove(ele)
	kv := ele.Value.(*entry)
	delete(c.cache, kv.key)
	c.nbytes -= int64(len(kv.key)) + sizeOf(kv.value)
	if c.onEvicted != nil {
		c.onEvicted(kv.key, kv.value)
	}
}

func sizeOf(v Value) int64 {
	if v == nil {
		return 0
	}
	return int64(v.Len())
}
