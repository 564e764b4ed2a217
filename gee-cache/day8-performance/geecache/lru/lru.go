// Package lru implements a least-recently-used cache bounded by the bytes
// its entries occupy.
//
// A Cache is not safe for concurrent use; callers that share one between
// goroutines guard it with their own lock.
package lru

// Value is anything the cache can hold: it only has to report its size.
type Value interface {
	// Len returns the number of bytes the value occupies.
	Len() int
}

// Cache is an LRU cache. The zero value is not usable; create one with New.
type Cache struct {
	maxBytes  int64
	nbytes    int64
	root      entry // sentinel of the circular list: root.next is the most recently used entry, root.prev the least
	cache     map[string]*entry
	onEvicted func(key string, value Value)
}

// entry is a cached pair and its place in the recency list. Keeping the
// links in the entry (instead of using container/list) costs one
// allocation per entry instead of two, and no type assertion per access.
type entry struct {
	key        string
	value      Value
	prev, next *entry
}

// New returns a cache that holds at most maxBytes bytes, counted as
// len(key) + value.Len() per entry. maxBytes 0 (or less) means unbounded.
// onEvicted, if not nil, is called for every entry that leaves the cache
// because of its byte budget (by eviction, RemoveOldest, or an oversized
// replacement; see Add).
func New(maxBytes int64, onEvicted func(key string, value Value)) *Cache {
	c := &Cache{
		maxBytes:  maxBytes,
		cache:     make(map[string]*entry),
		onEvicted: onEvicted,
	}
	c.root.prev, c.root.next = &c.root, &c.root
	return c
}

// Get returns the value stored under key and marks it most recently used.
func (c *Cache) Get(key string) (value Value, ok bool) {
	if e, hit := c.cache[key]; hit {
		c.moveToFront(e)
		return e.value, true
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
		if e, ok := c.cache[key]; ok {
			c.removeEntry(e)
		}
		return
	}
	if e, ok := c.cache[key]; ok {
		c.moveToFront(e)
		c.nbytes += sizeOf(value) - sizeOf(e.value)
		e.value = value
	} else {
		e := &entry{key: key, value: value}
		c.pushFront(e)
		c.cache[key] = e
		c.nbytes += size
	}
	for c.maxBytes > 0 && c.nbytes > c.maxBytes {
		c.RemoveOldest()
	}
}

// RemoveOldest removes the least recently used entry, if any.
func (c *Cache) RemoveOldest() {
	if oldest := c.root.prev; oldest != &c.root {
		c.removeEntry(oldest)
	}
}

// Len returns the number of entries in the cache.
func (c *Cache) Len() int {
	return len(c.cache)
}

func (c *Cache) removeEntry(e *entry) {
	c.unlink(e)
	delete(c.cache, e.key)
	c.nbytes -= int64(len(e.key)) + sizeOf(e.value)
	if c.onEvicted != nil {
		c.onEvicted(e.key, e.value)
	}
}

func (c *Cache) pushFront(e *entry) {
	e.prev, e.next = &c.root, c.root.next
	c.root.next.prev = e
	c.root.next = e
}

func (c *Cache) unlink(e *entry) {
	e.prev.next = e.next
	e.next.prev = e.prev
	e.prev, e.next = nil, nil // no dangling links into the list
}

func (c *Cache) moveToFront(e *entry) {
	if c.root.next != e {
		c.unlink(e)
		c.pushFront(e)
	}
}

func sizeOf(v Value) int64 {
	if v == nil {
		return 0
	}
	return int64(v.Len())
}
