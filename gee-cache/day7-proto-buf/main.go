// Command day7-proto-buf runs one node of a geecache cluster; -h says how to
// start three.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"gee-cache/day7-proto-buf/geecache"
)

var db = map[string]string{
	"Tom": "630", "Jack": "589", "Sam": "567",
	"Lily": "720", "Lucy": "701", "Ben": "499", "Mia": "655", "Leo": "612",
}

// slowDB is the demo's data source: every load is logged and takes delay,
// unless the Get that asked for it gives up first.
func slowDB(delay time.Duration) geecache.GetterFunc {
	return func(ctx context.Context, key string) ([]byte, error) {
		log.Println("[SlowDB] search key", key)
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			log.Printf("[SlowDB] gave up on key %s: %v", key, ctx.Err())
			return nil, ctx.Err()
		}
		if v, ok := db[key]; ok {
			return []byte(v), nil
		}
		return nil, fmt.Errorf("%s not exist", key)
	}
}

func main() {
	port := flag.Int("port", 8001, "port to listen on (127.0.0.1)")
	peers := flag.String("peers", "http://localhost:8001,http://localhost:8002,http://localhost:8003",
		"base URLs of all nodes, this one included: the same list on every node")
	api := flag.Bool("api", false, "also answer users at /api?key=K")
	delay := flag.Duration("dbdelay", 50*time.Millisecond, "how slow the slow database is")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./gee-cache/day7-proto-buf [-port 8001] [-peers URL,...] [-api]\n\n"+
			"Runs one node serving the group \"scores\". Three nodes, the third answering users:\n"+
			"  go run ./gee-cache/day7-proto-buf -port 8001 &\n  go run ./gee-cache/day7-proto-buf -port 8002 &\n"+
			"  go run ./gee-cache/day7-proto-buf -port 8003 -api &\n  curl \"http://localhost:8003/api?key=Tom\"\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()

	scores := geecache.NewGroup("scores", 2<<10, slowDB(*delay))

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		log.Fatal(err)
	}
	addr := "http://" + ln.Addr().String()
	log.Println("geecache is running at", addr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, ln, node(scores, addr, strings.Split(*peers, ","), *api), shutdownGrace); err != nil {
		log.Fatal(err)
	}
	log.Println("stopped")
}

// node makes g fetch other peers' keys through a pool for the node at addr
// and returns the node's handler: the pool, and with api /api?key=K too (no
// ServeMux: it would clean paths, and redirect a key such as "..").
func node(g *geecache.Group, addr string, peers []string, api bool) http.Handler {
	pool := geecache.NewHTTPPool(addr)
	pool.Set(peers...)
	g.RegisterPeers(pool)
	if !api {
		return pool
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api" {
			pool.ServeHTTP(w, r)
			return
		}
		key := r.URL.Query().Get("key")
		if key == "" {
			http.Error(w, "missing ?key=", http.StatusBadRequest)
			return
		}
		view, err := g.Get(r.Context(), key)
		if err != nil {
			// The demo's database fails only for keys it does not have.
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(view.ByteSlice())
	})
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
