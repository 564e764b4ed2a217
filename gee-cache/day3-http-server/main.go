// Command day3-http-server serves a geecache group over HTTP, so that
// other processes can read it:
//
//	go run ./gee-cache/day3-http-server -port 9999
//	curl http://localhost:9999/_geecache/scores/Tom
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"gee-cache/day3-http-server/geecache"
)

var db = map[string]string{
	"Tom":  "630",
	"Jack": "589",
	"Sam":  "567",
}

// slowDB is the demo's data source; it logs every load.
func slowDB(key string) ([]byte, error) {
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
	srv := &http.Server{Handler: geecache.NewHTTPPool(addr)}
	log.Println("geecache is running at", addr)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	<-ctx.Done()
	srv.Shutdown(context.Background())
	log.Println("stopped")
}
