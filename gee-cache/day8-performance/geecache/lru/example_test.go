package lru_test

import (
	"fmt"

	"gee-cache/day8-performance/geecache/lru"
)

type text string

func (t text) Len() int { return len(t) }

func ExampleCache() {
	// 12 bytes: room for two entries of 6 bytes (key + value) each.
	c := lru.New(12, func(key string, _ lru.Value) {
		fmt.Println("evicted", key)
	})
	c.Add("Tom", text("630"))
	c.Add("Jack", text("58"))
	c.Get("Tom") // Tom is now the most recently used
	c.Add("Sam", text("567"))

	_, ok := c.Get("Jack")
	fmt.Println("Jack cached:", ok, "entries:", c.Len())
	// Output:
	// evicted Jack
	// Jack cached: false entries: 2
}
