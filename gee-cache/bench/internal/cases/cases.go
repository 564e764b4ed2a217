// Package cases holds the benchmark bodies that every implementation runs:
// the same keys, the same access sequence and the same checks, so that the
// only difference between two sub-benchmarks is the code under test.
//
// It imports no chapter. gee-cache/bench (day8 and the peers) and
// gee-cache/bench/day7 each pass their implementation in as functions.
package cases

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Keys returns n distinct keys of equal length.
func Keys(n int) []string {
	ks := make([]string, n)
	for i := range ks {
		ks[i] = fmt.Sprintf("key-%06d", i)
	}
	return ks
}

// HitKeys is how many keys GetHit cycles through; all of them are cached.
const HitKeys = 1024

// Value is the value every getter returns: 32 bytes.
var Value = []byte("a value of some thirty-two bytes")

// GetHit fills a cache through get (one load per key), then times get of
// keys that are all cached. loads reports the loads done so far: after the
// fill it must not grow.
func GetHit(b *testing.B, get func(key string) error, loads func() int64) {
	ks := Keys(HitKeys)
	for _, k := range ks {
		if err := get(k); err != nil {
			b.Fatal(err)
		}
	}
	i := 0
	for b.Loop() {
		if err := get(ks[i%HitKeys]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if n := loads(); n != HitKeys {
		b.Fatalf("%d loads; want every Get after the fill to hit", n)
	}
}

// RingPeers are the peer counts of RingGet.
var RingPeers = []int{8, 32, 128}

// RingReplicas is the number of virtual nodes per peer in RingGet.
const RingReplicas = 50

// PeerNames returns n peer URLs.
func PeerNames(n int) []string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = fmt.Sprintf("http://127.0.0.1:%d", 8001+i)
	}
	return ps
}

// RingGet times owner lookups of 4096 keys on a ring already built.
func RingGet(b *testing.B, get func(key string) string) {
	ks := Keys(4096)
	i := 0
	for b.Loop() {
		if get(ks[i%len(ks)]) == "" {
			b.Fatal("no owner")
		}
		i++
	}
}

// LRU sizes: the key space is four times what the cache holds.
const (
	LRUEntries  = 1024
	LRUKeySpace = 4 * LRUEntries
	LRUValue    = "01234567" // eight bytes
)

// LRUEntryBytes is what one entry costs a cache that counts len(key) +
// len(value).
var LRUEntryBytes = int64(len(Keys(1)[0]) + len(LRUValue))

// lruAccesses is a fixed random walk over the key space, the same for
// every cache: about a quarter of the Gets hit.
func lruAccesses() []string {
	ks := Keys(LRUKeySpace)
	r := rand.New(rand.NewPCG(1, 2))
	seq := make([]string, 1<<16)
	for i := range seq {
		seq[i] = ks[r.IntN(len(ks))]
	}
	return seq
}

// LRU times a Get, and an Add after a miss, over the fixed random walk.
// get reports a hit; size reports the number of entries at the end, which
// must be LRUEntries (the cache filled up and then stayed full).
func LRU(b *testing.B, get func(key string) bool, add func(key string), size func() int) {
	seq := lruAccesses()
	i := 0
	for b.Loop() {
		k := seq[i%len(seq)]
		if !get(k) {
			add(k)
		}
		i++
	}
	if n := size(); n != LRUEntries {
		b.Fatalf("%d entries; want %d", n, LRUEntries)
	}
}
