package geecache

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// hotCluster starts n nodes whose groups keep every value fetched from a
// peer hot (the sample always says yes), within hotBytes each.
func hotCluster(t *testing.T, n int, hotBytes int64) []*testNode {
	t.Helper()
	nodes := startCluster(t, n, "scores")
	for _, node := range nodes {
		node.group.SetHotCacheBytes(hotBytes)
		node.group.hotSample = func() bool { return true }
	}
	return nodes
}

func TestHotCacheAnswersARemoteKeyReadAgain(t *testing.T) {
	nodes := hotCluster(t, 2, 1<<10)
	key := keyOwnedBy(t, nodes, 1, "hot")
	for range 3 {
		if v, err := nodes[0].group.Get(ctx, key); err != nil || v.String() != "v:"+key {
			t.Fatalf("Get(%s) = %q, %v", key, v, err)
		}
	}
	asker, owner := nodes[0].group.Stats(), nodes[1].group.Stats()
	if owner.ServerRequests != 1 || asker.PeerLoads != 1 || asker.HotHits != 2 || asker.Hits != 2 {
		t.Fatalf("asker %+v, owner %+v; want one peer request, then two hot hits", asker, owner)
	}
}

func TestHotCacheHoldsNoOwnKeys(t *testing.T) {
	nodes := hotCluster(t, 2, 1<<10)
	key := keyOwnedBy(t, nodes, 0, "own")
	nodes[0].group.Get(ctx, key)
	nodes[0].group.Get(ctx, key)
	if _, ok := nodes[0].group.hotCache.get(key); ok {
		t.Fatal("a key this node owns went into its hot cache")
	}
	if s := nodes[0].group.Stats(); s.HotHits != 0 || s.LocalLoads != 1 {
		t.Fatalf("stats = %+v; want one local load and no hot hit", s)
	}
}

func TestHotCacheOffAtZeroBytes(t *testing.T) {
	nodes := hotCluster(t, 2, 0)
	key := keyOwnedBy(t, nodes, 1, "cold")
	nodes[0].group.Get(ctx, key)
	nodes[0].group.Get(ctx, key)
	if s := nodes[1].group.Stats(); s.ServerRequests != 2 {
		t.Fatalf("owner served %d requests; want 2 with the hot cache off", s.ServerRequests)
	}
}

func TestHotCacheStaysWithinItsOwnBudget(t *testing.T) {
	// Keys "k<n>" with values "v:k<n>": about 10 bytes an entry.
	const budget = 50
	nodes := hotCluster(t, 2, budget)
	nodes[0].group.mainCache.cacheBytes = 1 << 20
	for n := range 40 {
		nodes[0].group.Get(ctx, keyOwnedBy(t, nodes, 1, fmt.Sprint("k", n, "-")))
	}
	hot := nodes[0].group.hotCache.lru
	if hot == nil {
		t.Fatal("nothing was kept hot")
	}
	if n := hot.Len(); n == 0 || n > budget/10 {
		t.Fatalf("hot cache holds %d entries; want a few, within %d bytes", n, budget)
	}
}

func TestHotCacheKeepsAboutOneFetchInTen(t *testing.T) {
	g := &Group{name: "sample"}
	g.SetHotCacheBytes(1 << 20)
	const fetches = 5000
	for n := range fetches {
		g.keepIfHot(fmt.Sprint("key", n), ByteView{b: []byte("v")})
	}
	kept := g.hotCache.lru.Len()
	if kept < fetches/hotSampleRate/2 || kept > 2*fetches/hotSampleRate {
		t.Fatalf("%d of %d fetches kept hot; want about one in %d", kept, fetches, hotSampleRate)
	}
}

// zipfPeerRequests reads a Zipf-distributed sequence of keys through the
// nodes of a real three-node cluster (HTTP on loopback), each Get sent to
// the next node in turn as a load balancer would, and returns how many
// requests the nodes sent each other.
func zipfPeerRequests(t *testing.T, cacheBytes, hotBytes int64, gets, keySpace int) (peerRequests, hotHits int64) {
	t.Helper()
	nodes := startCluster(t, 3, "scores")
	for i, node := range nodes {
		node.group.mainCache.cacheBytes = cacheBytes
		node.group.SetHotCacheBytes(hotBytes)
		r := rand.New(rand.NewPCG(uint64(i), 7))
		node.group.hotSample = func() bool { return r.IntN(hotSampleRate) == 0 }
	}
	zipf := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.1, 1, uint64(keySpace-1))
	for n := range gets {
		key := fmt.Sprintf("key-%05d", zipf.Uint64())
		if v, err := nodes[n%len(nodes)].group.Get(ctx, key); err != nil || v.String() != "v:"+key {
			t.Fatalf("Get(%s) = %q, %v", key, v, err)
		}
	}
	for _, node := range nodes {
		s := node.group.Stats()
		peerRequests += s.ServerRequests
		hotHits += s.HotHits
	}
	return peerRequests, hotHits
}

func TestHotCacheSavesPeerRequestsUnderZipfLoad(t *testing.T) {
	const (
		gets       = 12000
		keySpace   = 5000
		cacheBytes = 32 << 10 // ~1600 entries of ~20 bytes: a node's own keys fit
	)
	off, _ := zipfPeerRequests(t, cacheBytes, 0, gets, keySpace)
	on, hotHits := zipfPeerRequests(t, cacheBytes, cacheBytes/hotCacheFraction, gets, keySpace)
	saved := 1 - float64(on)/float64(off)
	t.Logf("Zipf(s=1.1) over %d keys, %d Gets spread over 3 nodes: %d peer requests without the hot cache, %d with it (%d bytes a node); %.0f%% saved, %d hot hits",
		keySpace, gets, off, on, cacheBytes/hotCacheFraction, 100*saved, hotHits)
	if saved < 0.25 {
		t.Fatalf("the hot cache saved %.0f%% of the peer requests; want at least 25%%", 100*saved)
	}
}
