// Package day7 runs the benchmarks of gee-cache/bench on day7-proto-buf,
// as sub-benchmarks named gee-day7. It is a package of its own, so a test
// binary of its own: day7 and day8 each register a geecachepb.proto with
// the protobuf runtime, and one binary holding both would panic at init.
package day7

import (
	"context"
	"fmt"
	"testing"

	"gee-cache/bench/internal/cases"
	"gee-cache/day7-proto-buf/geecache"
	geehash "gee-cache/day7-proto-buf/geecache/consistenthash"
	geelru "gee-cache/day7-proto-buf/geecache/lru"
)

const impl = "gee-day7"

var groups int

func BenchmarkGroupGetHit(b *testing.B) {
	b.Run(impl, func(b *testing.B) {
		groups++ // each run needs a fresh name: NewGroup refuses duplicates
		g := geecache.NewGroup(fmt.Sprint("bench-hit-", groups), 64<<20, geecache.GetterFunc(
			func(context.Context, string) ([]byte, error) { return cases.Value, nil }))
		ctx := context.Background()
		cases.GetHit(b,
			func(key string) error { _, err := g.Get(ctx, key); return err },
			func() int64 { return g.Stats().LocalLoads })
	})
}

func BenchmarkRingGet(b *testing.B) {
	for _, n := range cases.RingPeers {
		peers := cases.PeerNames(n)
		b.Run(fmt.Sprintf("peers=%d", n), func(b *testing.B) {
			b.Run(impl, func(b *testing.B) {
				m := geehash.New(cases.RingReplicas, nil)
				m.Add(peers...)
				cases.RingGet(b, m.Get)
			})
		})
	}
}

type lruValue string

func (v lruValue) Len() int { return len(v) }

func BenchmarkLRU(b *testing.B) {
	b.Run(impl, func(b *testing.B) {
		c := geelru.New(cases.LRUEntries*cases.LRUEntryBytes, nil)
		var v geelru.Value = lruValue(cases.LRUValue)
		cases.LRU(b,
			func(k string) bool { _, ok := c.Get(k); return ok },
			func(k string) { c.Add(k, v) },
			c.Len)
	})
}
