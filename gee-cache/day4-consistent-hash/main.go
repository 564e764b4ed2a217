// Command day4-consistent-hash shows how a hash ring with virtual nodes
// spreads keys over peers, and how few keys move when a peer joins.
//
// Usage:
//
//	go run ./gee-cache/day4-consistent-hash [-replicas 50] [-keys 10000]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"gee-cache/day4-consistent-hash/geecache/consistenthash"
)

func main() {
	replicas := flag.Int("replicas", 50, "virtual nodes per peer")
	keys := flag.Int("keys", 10000, "number of keys to place")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./gee-cache/day4-consistent-hash [-replicas n] [-keys n]\n\n"+
			"Places keys on a ring of three peers, then adds a fourth and counts the keys that move.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	run(os.Stdout, *replicas, *keys)
}

// run places keys on three peers, adds a fourth and reports to w.
func run(w io.Writer, replicas, keys int) {
	peers := []string{"http://localhost:8001", "http://localhost:8002", "http://localhost:8003"}
	ring := consistenthash.New(replicas, nil)
	ring.Add(peers...)
	for _, k := range []string{"Tom", "Jack", "Sam"} {
		fmt.Fprintf(w, "%-4s -> %s\n", k, ring.Get(k))
	}

	owner := make([]string, keys)
	share := map[string]int{}
	for i := range owner {
		owner[i] = ring.Get(fmt.Sprint("key-", i))
		share[owner[i]]++
	}
	fmt.Fprintf(w, "\n%d keys on 3 peers with %d virtual nodes each:\n", keys, replicas)
	for _, p := range peers {
		fmt.Fprintf(w, "  %s  %5d  (%.1f%%)\n", p, share[p], 100*float64(share[p])/float64(keys))
	}

	newPeer := "http://localhost:8004"
	ring.Add(newPeer)
	moved := 0
	for i, was := range owner {
		if is := ring.Get(fmt.Sprint("key-", i)); is != was {
			moved++
		}
	}
	fmt.Fprintf(w, "\nadding %s moved %d keys (%.1f%%; ideal 25%%)\n", newPeer, moved, 100*float64(moved)/float64(keys))
}
