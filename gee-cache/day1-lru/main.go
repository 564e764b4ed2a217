// Command day1-lru shows the byte-bounded LRU cache at work: entries are
// added to a small cache and the oldest ones are evicted when it is full.
//
// Usage:
//
//	go run ./gee-cache/day1-lru [-max 16]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"gee-cache/day1-lru/geecache/lru"
)

type text string

func (t text) Len() int { return len(t) }

func main() {
	maxBytes := flag.Int64("max", 16, "cache budget in bytes (len(key)+len(value) per entry); 0 = unbounded")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./gee-cache/day1-lru [-max bytes]\n\n"+
			"Adds the classic scores to an LRU cache of the given size and prints each step.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	run(os.Stdout, *maxBytes)
}

// run adds the scores to a cache of maxBytes and reports each step to w.
func run(w io.Writer, maxBytes int64) {
	c := lru.New(maxBytes, func(key string, value lru.Value) {
		fmt.Fprintf(w, "  evicted %s=%s\n", key, value)
	})
	scores := [][2]string{{"Tom", "630"}, {"Jack", "589"}, {"Sam", "567"}}
	for _, kv := range scores {
		fmt.Fprintf(w, "add %s=%s\n", kv[0], kv[1])
		c.Add(kv[0], text(kv[1]))
	}
	fmt.Fprintln(w, "get Sam (marks it most recently used)")
	c.Get("Sam")
	fmt.Fprintln(w, "add Lily=720")
	c.Add("Lily", text("720"))
	for _, k := range []string{"Tom", "Jack", "Sam", "Lily"} {
		if v, ok := c.Get(k); ok {
			fmt.Fprintf(w, "get %s -> %s\n", k, v)
		} else {
			fmt.Fprintf(w, "get %s -> not cached\n", k)
		}
	}
	fmt.Fprintln(w, "entries:", c.Len())
}
