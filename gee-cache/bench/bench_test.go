package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"gee-cache/day7-proto-buf/geecache"
	geehash "gee-cache/day7-proto-buf/geecache/consistenthash"
	geelru "gee-cache/day7-proto-buf/geecache/lru"

	"github.com/golang/groupcache"
	gchash "github.com/golang/groupcache/consistenthash"
	hlru "github.com/hashicorp/golang-lru/v2"
)

// keys returns n distinct keys of equal length.
func keys(n int) []string {
	ks := make([]string, n)
	for i := range ks {
		ks[i] = fmt.Sprintf("key-%06d", i)
	}
	return ks
}

const hitKeys = 1024

func BenchmarkGroupGetHit(b *testing.B) {
	ks := keys(hitKeys)
	value := []byte("a value of some thirty-two bytes")

	b.Run("gee", func(b *testing.B) {
		geeGroups++ // each run needs a fresh name: NewGroup refuses duplicates
		g := geecache.NewGroup(fmt.Sprint("bench-hit-", geeGroups), 64<<20, geecache.GetterFunc(
			func(string) ([]byte, error) { return value, nil }))
		for _, k := range ks {
			g.Get(k) // fill the cache
		}
		i := 0
		for b.Loop() {
			if _, err := g.Get(ks[i%hitKeys]); err != nil {
				b.Fatal(err)
			}
			i++
		}
		if s := g.Stats(); s.LocalLoads != hitKeys {
			b.Fatalf("%d loads; want every Get after the fill to hit", s.LocalLoads)
		}
	})

	b.Run("groupcache", func(b *testing.B) {
		g := groupcacheGroup(value)
		ctx := context.Background()
		var view groupcache.ByteView
		for _, k := range ks {
			g.Get(ctx, k, groupcache.ByteViewSink(&view))
		}
		i := 0
		for b.Loop() {
			if err := g.Get(ctx, ks[i%hitKeys], groupcache.ByteViewSink(&view)); err != nil {
				b.Fatal(err)
			}
			i++
		}
		if s := g.Stats.LocalLoads.Get(); s != hitKeys {
			b.Fatalf("%d loads; want every Get after the fill to hit", s)
		}
	})
}

var (
	geeGroups int
	gcGroup   *groupcache.Group
)

// groupcacheGroup creates the groupcache group once: its registry panics
// on a second group of the same name, and b.Run may run a body again.
func groupcacheGroup(value []byte) *groupcache.Group {
	if gcGroup == nil {
		gcGroup = groupcache.NewGroup("bench-hit", 64<<20, groupcache.GetterFunc(
			func(_ context.Context, _ string, dest groupcache.Sink) error {
				return dest.SetBytes(value)
			}))
	}
	return gcGroup
}

func peerNames(n int) []string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("http://127.0.0.1:%d", 8001+i)
	}
	return ps
}

func BenchmarkRingGet(b *testing.B) {
	ks := keys(4096)
	for _, n := range []int{8, 32, 128} {
		peers := peerNames(n)
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			b.Run("gee", func(b *testing.B) {
				m := geehash.New(50, nil)
				m.Add(peers...)
				i := 0
				for b.Loop() {
					if m.Get(ks[i%len(ks)]) == "" {
						b.Fatal("no owner")
					}
					i++
				}
			})
			b.Run("groupcache", func(b *testing.B) {
				m := gchash.New(50, nil)
				m.Add(peers...)
				i := 0
				for b.Loop() {
					if m.Get(ks[i%len(ks)]) == "" {
						b.Fatal("no owner")
					}
					i++
				}
			})
		})
	}
}

// lruValue is the value both caches hold: eight bytes, as a string so
// that it satisfies lru.Value with no conversion.
type lruValue string

func (v lruValue) Len() int { return len(v) }

const (
	lruEntries  = 1024
	lruKeySpace = 4 * lruEntries
)

// lruAccesses is a fixed random walk over the key space, the same for
// both caches: about a quarter of the Gets hit.
func lruAccesses() []string {
	ks := keys(lruKeySpace)
	r := rand.New(rand.NewPCG(1, 2))
	seq := make([]string, 1<<16)
	for i := range seq {
		seq[i] = ks[r.IntN(len(ks))]
	}
	return seq
}

func BenchmarkLRU(b *testing.B) {
	seq := lruAccesses()
	v := lruValue("01234567")
	entryBytes := int64(len(seq[0]) + len(v))

	b.Run("gee", func(b *testing.B) {
		c := geelru.New(lruEntries*entryBytes, nil)
		i := 0
		for b.Loop() {
			k := seq[i%len(seq)]
			if _, ok := c.Get(k); !ok {
				c.Add(k, v)
			}
			i++
		}
		if c.Len() != lruEntries {
			b.Fatalf("%d entries; want %d", c.Len(), lruEntries)
		}
	})

	b.Run("golang-lru", func(b *testing.B) {
		c, err := hlru.New[string, lruValue](lruEntries)
		if err != nil {
			b.Fatal(err)
		}
		i := 0
		for b.Loop() {
			k := seq[i%len(seq)]
			if _, ok := c.Get(k); !ok {
				c.Add(k, v)
			}
			i++
		}
		if c.Len() != lruEntries {
			b.Fatalf("%d entries; want %d", c.Len(), lruEntries)
		}
	})
}
