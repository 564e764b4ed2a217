package lru

import (
	"fmt"
	"testing"
)

// The allocation counts that day8-performance's list buys, pinned so that
// a change cannot lose them unnoticed.

func TestGetOfACachedKeyDoesNotAllocate(t *testing.T) {
	c := New(0, nil)
	c.Add("k", String("v"))
	if n := testing.AllocsPerRun(1000, func() { c.Get("k") }); n != 0 {
		t.Fatalf("Get allocates %.1f times; want 0", n)
	}
}

func TestAddOfANewKeyAllocatesOnlyItsEntry(t *testing.T) {
	keys := make([]string, 2000)
	for i := range keys {
		keys[i] = fmt.Sprintf("key-%04d", i)
	}
	v := Value(String("v"))
	c := New(100*int64(len(keys[0])+1), nil) // full after 100 keys; each Add then evicts one
	for _, k := range keys[:100] {
		c.Add(k, v)
	}
	i := 100
	n := testing.AllocsPerRun(1000, func() {
		c.Add(keys[i%len(keys)], v)
		i++
	})
	if n > 1 {
		t.Fatalf("Add of a new key allocates %.2f times; want 1 (the entry)", n)
	}
}
