package lru

import (
	"fmt"
	"reflect"
	"testing"
)

type String string

func (s String) Len() int { return len(s) }

func TestGetReturnsWhatWasAdded(t *testing.T) {
	c := New(0, nil)
	c.Add("key1", String("1234"))
	v, ok := c.Get("key1")
	if !ok || string(v.(String)) != "1234" {
		t.Fatalf("Get(key1) = %v, %v; want 1234, true", v, ok)
	}
	if _, ok := c.Get("key2"); ok {
		t.Fatal("Get(key2) hit; want miss")
	}
}

func TestBytesCountKeyAndValue(t *testing.T) {
	c := New(0, nil)
	c.Add("k1", String("abc"))
	c.Add("key2", String("v"))
	if want := int64(2 + 3 + 4 + 1); c.nbytes != want {
		t.Fatalf("nbytes = %d; want %d", c.nbytes, want)
	}
}

func TestUpdateCorrectsBytesAndMovesToFront(t *testing.T) {
	c := New(0, nil)
	c.Add("a", String("1"))
	c.Add("b", String("2"))
	c.Add("a", String("12345")) // a becomes most recent and 4 bytes larger
	if want := int64(1 + 5 + 1 + 1); c.nbytes != want {
		t.Fatalf("nbytes after update = %d; want %d", c.nbytes, want)
	}
	if c.Len() != 2 {
		t.Fatalf("Len = %d; want 2", c.Len())
	}
	c.RemoveOldest()
	if _, ok := c.Get("b"); ok {
		t.Fatal("b survived RemoveOldest; the update should have moved a to the front")
	}
	if v, ok := c.Get("a"); !ok || v.(String) != "12345" {
		t.Fatalf("Get(a) = %v, %v; want 12345, true", v, ok)
	}
}

func TestGetMovesToFront(t *testing.T) {
	c := New(int64(len("k1v1k2v2")), nil)
	c.Add("k1", String("v1"))
	c.Add("k2", String("v2"))
	c.Get("k1")               // k2 is now the oldest
	c.Add("k3", String("v3")) // evicts k2
	if _, ok := c.Get("k2"); ok {
		t.Fatal("k2 should have been evicted")
	}
	if _, ok := c.Get("k1"); !ok {
		t.Fatal("k1 was evicted although it was used recently")
	}
}

func TestEvictionCallsOnEvicted(t *testing.T) {
	var evicted []string
	c := New(10, func(key string, value Value) {
		evicted = append(evicted, key+"="+string(value.(String)))
	})
	c.Add("key1", String("123456"))
	c.Add("k2", String("k2"))
	c.Add("k3", String("k3"))
	c.Add("k4", String("k4"))
	if want := []string{"key1=123456", "k2=k2"}; !reflect.DeepEqual(evicted, want) {
		t.Fatalf("evicted = %v; want %v", evicted, want)
	}
	if c.Len() != 2 || c.nbytes > 10 {
		t.Fatalf("Len = %d, nbytes = %d; want 2 entries within 10 bytes", c.Len(), c.nbytes)
	}
}

func TestZeroMaxBytesIsUnbounded(t *testing.T) {
	c := New(0, func(string, Value) { t.Fatal("unbounded cache evicted an entry") })
	for i := range 1000 {
		c.Add(fmt.Sprint(i), String("some value"))
	}
	if c.Len() != 1000 {
		t.Fatalf("Len = %d; want 1000", c.Len())
	}
}

func TestOversizedEntryIsNotCachedAndEvictsNothing(t *testing.T) {
	var evicted []string
	c := New(10, func(key string, _ Value) { evicted = append(evicted, key) })
	c.Add("a", String("1"))
	c.Add("b", String("2"))
	c.Add("big", String("0123456789")) // 13 bytes > 10
	if _, ok := c.Get("big"); ok {
		t.Fatal("an entry larger than the budget was cached")
	}
	if c.Len() != 2 || len(evicted) != 0 {
		t.Fatalf("Len = %d, evicted = %v; want the two small entries untouched", c.Len(), evicted)
	}
}

func TestOversizedUpdateDropsStaleValue(t *testing.T) {
	var evicted []string
	c := New(10, func(key string, _ Value) { evicted = append(evicted, key) })
	c.Add("a", String("1"))
	c.Add("a", String("0123456789"))
	if v, ok := c.Get("a"); ok {
		t.Fatalf("Get(a) = %v; want a miss, not the stale value", v)
	}
	if c.nbytes != 0 || !reflect.DeepEqual(evicted, []string{"a"}) {
		t.Fatalf("nbytes = %d, evicted = %v; want 0 and [a]", c.nbytes, evicted)
	}
}

func TestEntryExactlyTheBudgetIsKept(t *testing.T) {
	c := New(4, nil)
	c.Add("ab", String("cd"))
	if _, ok := c.Get("ab"); !ok {
		t.Fatal("an entry of exactly maxBytes was not kept")
	}
}

func TestRemoveOldestOnEmptyCache(t *testing.T) {
	c := New(0, nil)
	c.RemoveOldest() // must not panic
	if c.Len() != 0 {
		t.Fatalf("Len = %d; want 0", c.Len())
	}
}

func TestNilValueCountsZeroBytes(t *testing.T) {
	c := New(3, nil)
	c.Add("abc", nil)
	v, ok := c.Get("abc")
	if !ok || v != nil {
		t.Fatalf("Get(abc) = %v, %v; want nil, true", v, ok)
	}
	c.Add("abc", String("x")) // now 4 bytes: too big, dropped
	if _, ok := c.Get("abc"); ok || c.nbytes != 0 {
		t.Fatalf("oversized update kept, nbytes = %d", c.nbytes)
	}
}

// checkInvariants walks the recency list and compares it with the map and
// the byte count.
func checkInvariants(t *testing.T, c *Cache) {
	t.Helper()
	n, bytes := 0, int64(0)
	for ele := c.ll.Front(); ele != nil; ele = ele.Next() {
		kv := ele.Value.(*entry)
		if c.cache[kv.key] != ele {
			t.Fatalf("the map does not point at the list element of %q", kv.key)
		}
		n++
		bytes += int64(len(kv.key)) + sizeOf(kv.value)
	}
	if n != len(c.cache) || bytes != c.nbytes {
		t.Fatalf("list has %d entries of %d bytes; map has %d, nbytes = %d", n, bytes, len(c.cache), c.nbytes)
	}
	if c.maxBytes > 0 && c.nbytes > c.maxBytes {
		t.Fatalf("nbytes %d over budget %d", c.nbytes, c.maxBytes)
	}
}

func TestRandomOperationsKeepListMapAndBytesInSync(t *testing.T) {
	c := New(60, nil)
	seed := uint32(1)
	next := func(n uint32) uint32 { seed = seed*1664525 + 1013904223; return (seed >> 8) % n }
	for range 5000 {
		key := fmt.Sprint("k", next(20))
		switch next(4) {
		case 0, 1:
			c.Add(key, String(make([]byte, next(12))))
		case 2:
			c.Get(key)
		case 3:
			c.RemoveOldest()
		}
		checkInvariants(t, c)
	}
}
