package consistenthash_test

import (
	"fmt"

	"gee-cache/day8-performance/geecache/consistenthash"
)

func ExampleMap_Get() {
	ring := consistenthash.New(50, nil) // crc32, 50 virtual nodes per peer
	ring.Add("http://localhost:8001", "http://localhost:8002", "http://localhost:8003")
	for _, key := range []string{"Tom", "Jack", "Sam"} {
		fmt.Println(key, "->", ring.Get(key))
	}
	// Output:
	// Tom -> http://localhost:8001
	// Jack -> http://localhost:8003
	// Sam -> http://localhost:8003
}
