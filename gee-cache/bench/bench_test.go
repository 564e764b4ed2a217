package bench

import (
	"context"
	"fmt"
	"testing"

	"gee-cache/bench/internal/cases"
	"gee-cache/day8-performance/geecache"
	geehash "gee-cache/day8-performance/geecache/consistenthash"
	geelru "gee-cache/day8-performance/geecache/lru"

	"github.com/golang/groupcache"
	gchash "github.com/golang/groupcache/consistenthash"
	hlru "github.com/hashicorp/golang-lru/v2"
)

var (
	geeGroups int
	gcGroup   *groupcache.Group
)

func BenchmarkGroupGetHit(b *testing.B) {
	b.Run("gee", func(b *testing.B) {
		geeGroups++ // each run needs a fresh name: NewGroup refuses duplicates
		g := geecache.NewGroup(fmt.Sprint("bench-hit-", geeGroups), 64<<20, geecache.GetterFunc(
			func(context.Context, string) ([]byte, error) { return cases.Value, nil }))
		ctx := context.Background()
		cases.GetHit(b,
			func(key string) error { _, err := g.Get(ctx, key); return err },
			func() int64 { return g.Stats().LocalLoads })
	})

	b.Run("groupcache", func(b *testing.B) {
		// groupcache's registry panics on a second group of the same name,
		// and b.Run may run this body again, so the group is made once.
		if gcGroup == nil {
			gcGroup = groupcache.NewGroup("bench-hit", 64<<20, groupcache.GetterFunc(
				func(_ context.Context, _ string, dest groupcache.Sink) error {
					return dest.SetBytes(cases.Value)
				}))
		}
		g, ctx := gcGroup, context.Background()
		base := g.Stats.LocalLoads.Get()
		var view groupcache.ByteView // ByteViewSink does not copy, like our ByteView
		cases.GetHit(b,
			func(key string) error { return g.Get(ctx, key, groupcache.ByteViewSink(&view)) },
			func() int64 { return g.Stats.LocalLoads.Get() - base })
	})
}

func BenchmarkRingGet(b *testing.B) {
	for _, n := range cases.RingPeers {
		peers := cases.PeerNames(n)
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			b.Run("gee", func(b *testing.B) {
				m := geehash.New(cases.RingReplicas, nil)
				m.Add(peers...)
				cases.RingGet(b, m.Get)
			})
			b.Run("groupcache", func(b *testing.B) {
				m := gchash.New(cases.RingReplicas, nil)
				m.Add(peers...)
				cases.RingGet(b, m.Get)
			})
		})
	}
}

// lruValue is the value both caches hold, a string so that it satisfies
// lru.Value with no conversion.
type lruValue string

func (v lruValue) Len() int { return len(v) }

func BenchmarkLRU(b *testing.B) {
	b.Run("gee", func(b *testing.B) {
		c := geelru.New(cases.LRUEntries*cases.LRUEntryBytes, nil)
		var v geelru.Value = lruValue(cases.LRUValue)
		cases.LRU(b,
			func(k string) bool { _, ok := c.Get(k); return ok },
			func(k string) { c.Add(k, v) },
			c.Len)
	})

	b.Run("golang-lru", func(b *testing.B) {
		c, err := hlru.New[string, lruValue](cases.LRUEntries)
		if err != nil {
			b.Fatal(err)
		}
		v := lruValue(cases.LRUValue)
		cases.LRU(b,
			func(k string) bool { _, ok := c.Get(k); return ok },
			func(k string) { c.Add(k, v) },
			c.Len)
	})
}
