// Command day2-single-node shows a geecache Group in one process: the
// first Get of a key loads it from a slow "database", later Gets are hits.
//
// Usage:
//
//	go run ./gee-cache/day2-single-node
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"gee-cache/day2-single-node/geecache"
)

var db = map[string]string{
	"Tom":  "630",
	"Jack": "589",
	"Sam":  "567",
}

func main() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./gee-cache/day2-single-node\n\n"+
			"Gets a few keys twice from a group backed by a slow map and prints the statistics.\n")
	}
	flag.Parse()
	run(os.Stdout, newScores("scores", os.Stdout))
}

// newScores creates the group name backed by db, logging each load to w.
func newScores(name string, w io.Writer) *geecache.Group {
	return geecache.NewGroup(name, 2<<10, geecache.GetterFunc(
		func(_ context.Context, key string) ([]byte, error) {
			fmt.Fprintln(w, "[SlowDB] search key", key)
			if v, ok := db[key]; ok {
				return []byte(v), nil
			}
			return nil, fmt.Errorf("%s not exist", key)
		}))
}

// run reads a few keys, some twice, and prints what it got and the stats.
func run(w io.Writer, scores *geecache.Group) {
	for _, key := range []string{"Tom", "Jack", "Tom", "Jack", "unknown", ""} {
		v, err := scores.Get(context.Background(), key)
		if err != nil {
			fmt.Fprintf(w, "get %q: error: %v\n", key, err)
			continue
		}
		fmt.Fprintf(w, "get %q: %s\n", key, v)
	}
	fmt.Fprintf(w, "stats: %+v\n", scores.Stats())
}
