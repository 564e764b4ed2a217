// Command day3-http-server serves a geecache group over HTTP, so that
// other processes can read it:
//
//	go run ./gee-cache/day3-http-server -port 9999
//	curl http://localhost:9999/_geecache/scores/Tom
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
	"syscall"
	"time"

	"gee-cache/day3-http-server/geecache"
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
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: go run ./gee-cache/day3-http-server [-port 9999]\n\n"+
			"Serves the group \"scores\" at /_geecache/scores/<key>; try\n"+
			"  curl http://localhost:9999/_geecache/scores/Tom\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()

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
