// Command day3-http-server serves a geecache group over HTTP, so that
// other processes can read it:
//
//	go run ./gee-cache/day4-consistent-hash -port 9999
//	curl http://localhost:9999/_geecache/scores/Tom
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"gee-cache/day4-consistent-hash/geecache"
	"gee-cache/day4-consistent-hash/geecache/consistenthash"
)

var db = map[string]string{
	"Tom": "630", "Jack": "589", "Sam": "567",
}

// slowDB is the demo's data source; it logs every load.
func slowDB(_ context.Context, key string) ([]byte, error) {
	log.Println("[SlowDB] search key", key)
	if v, ok := db[key]; ok {
		return []byte(v), nil
	}
	return nil, fmt.Errorf("%s not exist", key)
}

func main() {
	port := flag.Int("port", 9999, "port to listen on (127.0.0.1)")
	replicas := flag.Int("replicas", 50, "virtual nodes per peer")
	keys := flag.Int("keys", 10000, "number of keys to place")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./gee-cache/day4-consistent-hash [-replicas n] [-keys n] [-port 9999]\n\n"+
			"Places keys on a ring of three peers, adds a fourth and counts the keys that move.\n"+
			"Then serves the group \"scores\" at /_geecache/scores/<key>; try\n"+
			"  curl http://localhost:9999/_geecache/scores/Tom\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	run(os.Stdout, *replicas, *keys)

	geecache.NewGroup("scores", 2<<10, geecache.GetterFunc(slowDB))

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		log.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	log.Println("geecache is running at", addr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, ln, geecache.NewHTTPPool(addr), shutdownGrace); err != nil {
		log.Fatal(err)
	}
	log.Println("stopped")
}

// shutdownGrace is how long a stopping node waits for requests in flight.
const shutdownGrace = 5 * time.Second

// serve serves h on ln until ctx is done, then stops: requests in flight
// get grace to finish, then their connections are closed, which cancels
// their contexts and so the loads they are waiting for.
func serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration) error {
	srv := &http.Server{Handler: h}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if srv.Shutdown(ctx) != nil {
		return srv.Close()
	}
	return nil
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
