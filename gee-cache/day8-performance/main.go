// Command day8-performance runs one node of a geecache cluster, and
// optionally the API server that users query.
//
// Start three nodes, the third with the API server:
//
//	go run ./gee-cache/day8-performance -port 8001 &
//	go run ./gee-cache/day8-performance -port 8002 &
//	go run ./gee-cache/day8-performance -port 8003 -api &
//	curl "http://localhost:9999/api?key=Tom"
//	curl http://localhost:9999/api/stats
package main

import (
	"context"
	"encoding/json"
	"errors"
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

	"gee-cache/day8-performance/geecache"
)

// db is the slow data source behind the cache.
var db = map[string]string{
	"Tom":  "630",
	"Jack": "589",
	"Sam":  "567",
	"Lily": "720",
	"Lucy": "701",
	"Ben":  "499",
	"Mia":  "655",
	"Leo":  "612",
}

const usage = `Usage: day8-performance [-port 8001] [-peers URL,URL,...] [-api] [-apiaddr localhost:9999]

Runs one geecache node serving the group "scores" to its peers. Start three
nodes, the third also with the API server users talk to:

  go run ./gee-cache/day8-performance -port 8001 &
  go run ./gee-cache/day8-performance -port 8002 &
  go run ./gee-cache/day8-performance -port 8003 -api &
  curl "http://localhost:9999/api?key=Tom"      # a value
  curl "http://localhost:9999/api/stats"        # this node's group statistics

Every node must get the same -peers list (its own URL included).

`

func main() {
	port := flag.Int("port", 8001, "port of this cache node (listens on 127.0.0.1)")
	peers := flag.String("peers", "http://localhost:8001,http://localhost:8002,http://localhost:8003",
		"comma-separated base URLs of all cache nodes, this one included")
	api := flag.Bool("api", false, "also start the API server")
	apiAddr := flag.String("apiaddr", "localhost:9999", "address of the API server")
	delay := flag.Duration("dbdelay", 50*time.Millisecond, "how slow the slow database is")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), usage)
		flag.PrintDefaults()
	}
	flag.Parse()

	scores := geecache.NewGroup("scores", 2<<10, slowDB(*delay))

	self := fmt.Sprintf("http://127.0.0.1:%d", *port)
	pool := geecache.NewHTTPPool(self)
	pool.Set(strings.Split(*peers, ",")...)
	scores.RegisterPeers(pool)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	servers := []*http.Server{serve(fmt.Sprintf("127.0.0.1:%d", *port), pool, "geecache node")}
	if *api {
		servers = append(servers, serve(strings.TrimPrefix(*apiAddr, "http://"), apiHandler(scores), "api server"))
	}
	<-ctx.Done()
	for _, srv := range servers {
		srv.Shutdown(context.Background())
	}
	log.Println("stopped")
}

// slowDB is the demo's data source: every load is logged (the tour counts
// these lines) and takes delay.
func slowDB(delay time.Duration) geecache.GetterFunc {
	return func(key string) ([]byte, error) {
		log.Println("[SlowDB] search key", key)
		time.Sleep(delay)
		if v, ok := db[key]; ok {
			return []byte(v), nil
		}
		return nil, fmt.Errorf("%s not exist", key)
	}
}

// serve listens on addr, says so, and serves h until Shutdown.
func serve(addr string, h http.Handler, what string) *http.Server {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("%s: %v", what, err)
	}
	srv := &http.Server{Handler: h}
	log.Printf("%s is running at http://%s", what, ln.Addr())
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Fatalf("%s: %v", what, err)
		}
	}()
	return srv
}

// apiHandler answers GET /api?key=K with the value and GET /api/stats with
// the group's statistics as JSON.
func apiHandler(g *geecache.Group) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api", func(w http.ResponseWriter, r *http.Request) {
		key := r.URL.Query().Get("key")
		if key == "" {
			http.Error(w, "missing ?key=", http.StatusBadRequest)
			return
		}
		view, err := g.Get(key)
		if err != nil {
			// The demo's database fails only for keys it does not have.
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(view.ByteSlice())
	})
	mux.HandleFunc("GET /api/stats", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(g.Stats())
	})
	return mux
}
