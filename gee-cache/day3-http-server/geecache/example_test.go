package geecache_test

import (
	"context"
	"fmt"

	"gee-cache/day3-http-server/geecache"
)

func ExampleGroup_Get() {
	scores := map[string]string{"Tom": "630", "Jack": "589"}
	g := geecache.NewGroup("example-scores", 2<<10, geecache.GetterFunc(
		func(ctx context.Context, key string) ([]byte, error) {
			fmt.Println("loading", key)
			if v, ok := scores[key]; ok {
				return []byte(v), nil
			}
			return nil, fmt.Errorf("%s not exist", key)
		}))

	ctx := context.Background() // a server passes its request's context
	v, _ := g.Get(ctx, "Tom")   // a miss: loads
	fmt.Println(v)
	v, _ = g.Get(ctx, "Tom") // a hit: no load
	fmt.Println(v)
	_, err := g.Get(ctx, "Nobody")
	fmt.Println(err)
	s := g.Stats()
	fmt.Println("gets:", s.Gets, "hits:", s.Hits, "loads:", s.LocalLoads, "load errors:", s.LocalLoadErrs)
	// Output:
	// loading Tom
	// 630
	// 630
	// loading Nobody
	// Nobody not exist
	// gets: 3 hits: 1 loads: 1 load errors: 1
}
