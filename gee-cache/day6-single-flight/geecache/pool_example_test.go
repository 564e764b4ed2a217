package geecache_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"gee-cache/day6-single-flight/geecache"
)

func ExampleHTTPPool() {
	// A node: an HTTP server whose handler is the pool, so that peers can
	// fetch the keys this node owns.
	srv := httptest.NewUnstartedServer(nil)
	self := "http://" + srv.Listener.Addr().String()
	pool := geecache.NewHTTPPool(self)
	srv.Config.Handler = pool
	srv.Start()
	defer srv.Close()

	scores := geecache.NewGroup("example-pool", 2<<10, geecache.GetterFunc(
		func(_ context.Context, key string) ([]byte, error) { return []byte("score of " + key), nil }))
	// Every node gets the same list of all nodes, itself included. Here the
	// cluster has one node, so it owns every key and loads it itself.
	pool.Set(self)
	scores.RegisterPeers(pool)

	v, err := scores.Get(context.Background(), "Tom")
	fmt.Println(v, err)
	s := scores.Stats()
	fmt.Println("local loads:", s.LocalLoads, "peer loads:", s.PeerLoads)
	// Output:
	// score of Tom <nil>
	// local loads: 1 peer loads: 0
}
