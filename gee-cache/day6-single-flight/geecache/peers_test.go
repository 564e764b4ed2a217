package geecache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// testNode is one cache node of an in-process cluster: its own group
// registry, pool and HTTP server, as if it were a separate process.
type testNode struct {
	url    string
	pool   *HTTPPool
	group  *Group
	getter *countingGetter
}

// echoGetter answers every key with "v:"+key, so a key changed on the way
// shows up in the value; keys starting with "bad" fail.
type echoGetter struct{ countingGetter }

func (e *echoGetter) Get(_ context.Context, key string) ([]byte, error) {
	e.mu.Lock()
	e.calls[key]++
	e.mu.Unlock()
	if strings.HasPrefix(key, "bad") {
		return nil, fmt.Errorf("no row for %s", key)
	}
	return []byte("v:" + key), nil
}

// startCluster starts n nodes serving a group called name, each knowing
// all the others.
func startCluster(t *testing.T, n int, name string) []*testNode {
	t.Helper()
	return startClusterOpts(t, n, name, nil)
}

// startClusterOpts is startCluster with pools made with opts.
func startClusterOpts(t *testing.T, n int, name string, opts *HTTPPoolOptions) []*testNode {
	t.Helper()
	nodes := make([]*testNode, n)
	var urls []string
	for i := range nodes {
		srv := httptest.NewUnstartedServer(nil)
		node := &testNode{url: "http://" + srv.Listener.Addr().String()}
		getter := &echoGetter{countingGetter{calls: map[string]int{}}}
		node.getter = &getter.countingGetter
		node.group = &Group{name: name, getter: getter, mainCache: cache{cacheBytes: 1 << 20}}
		node.pool = NewHTTPPoolOpts(node.url, opts)
		node.pool.lookupGroup = func(n string) *Group {
			if n == name {
				return node.group
			}
			return nil
		}
		node.group.RegisterPeers(node.pool)
		srv.Config.Handler = node.pool
		srv.Start()
		t.Cleanup(srv.Close)
		nodes[i] = node
		urls = append(urls, node.url)
	}
	for _, node := range nodes {
		node.pool.Set(urls...)
	}
	return nodes
}

// ownerOf returns the index of the node owning key.
func ownerOf(nodes []*testNode, key string) int {
	for i, node := range nodes {
		if _, remote := node.pool.PickPeer(key); !remote {
			return i
		}
	}
	return -1
}

// keyOwnedBy finds a key with the given prefix owned by nodes[i].
func keyOwnedBy(t *testing.T, nodes []*testNode, i int, prefix string) string {
	t.Helper()
	for n := range 10000 {
		key := fmt.Sprintf("%s%d", prefix, n)
		if ownerOf(nodes, key) == i {
			return key
		}
	}
	t.Fatalf("no key with prefix %q owned by node %d", prefix, i)
	return ""
}

func TestGetFetchesFromOwnerNode(t *testing.T) {
	nodes := startCluster(t, 3, "scores")
	remote := 0
	for n := range 30 {
		key := fmt.Sprint("key", n)
		v, err := nodes[0].group.Get(ctx, key)
		if err != nil || v.String() != "v:"+key {
			t.Fatalf("Get(%s) = %q, %v", key, v, err)
		}
		owner := ownerOf(nodes, key)
		for i, node := range nodes {
			want := 0
			if i == owner {
				want = 1
			}
			if got := node.getter.count(key); got != want {
				t.Fatalf("key %s (owner %d): node %d loaded it %d times; want %d", key, owner, i, got, want)
			}
		}
		if owner != 0 {
			remote++
		}
	}
	if remote == 0 {
		t.Fatal("no key was owned by another node; the test proves nothing")
	}
	if s := nodes[0].group.Stats(); s.PeerLoads != int64(remote) || s.PeerErrors != 0 {
		t.Fatalf("node 0 stats = %+v; want %d peer loads, no errors", s, remote)
	}
}

func TestKeyWithSpacesAndSlashesRoundTripsBetweenPeers(t *testing.T) {
	nodes := startCluster(t, 2, "scores")
	for _, prefix := range []string{"a key with spaces ", "a/b/../c ", "100% ?x=1&y=#z+ "} {
		key := keyOwnedBy(t, nodes, 1, prefix)
		v, err := nodes[0].group.Get(ctx, key)
		if err != nil || v.String() != "v:"+key {
			t.Fatalf("Get(%q) from node 0 = %q, %v; want %q", key, v, err, "v:"+key)
		}
		if nodes[1].getter.count(key) != 1 || nodes[0].getter.count(key) != 0 {
			t.Fatalf("key %q was not loaded by its owner exactly once", key)
		}
	}
}

func TestOwnerLoaderErrorIsReturnedNotLoadedTwice(t *testing.T) {
	nodes := startCluster(t, 2, "scores")
	key := keyOwnedBy(t, nodes, 1, "bad")
	_, err := nodes[0].group.Get(ctx, key)
	var loadErr *PeerLoadError
	if !errors.As(err, &loadErr) || !strings.Contains(err.Error(), "no row for "+key) || loadErr.Key != key {
		t.Fatalf("Get error = %v; want a *PeerLoadError with the owner's message", err)
	}
	if got := nodes[0].getter.count(key) + nodes[1].getter.count(key); got != 1 {
		t.Fatalf("the key was loaded %d times; want once, by its owner", got)
	}
}

// fallbackCase sets up node 0's only peer as a misbehaving server.
func fallbackCase(t *testing.T, peerURL string, timeout time.Duration) *testNode {
	t.Helper()
	nodes := startCluster(t, 1, "scores")
	node := nodes[0]
	if timeout > 0 {
		node.pool.opts.Timeout = timeout
	}
	node.pool.Set(peerURL) // the peer owns every key
	v, err := node.group.Get(ctx, "Tom")
	if err != nil || v.String() != "v:Tom" {
		t.Fatalf("Get(Tom) = %q, %v; want a local load", v, err)
	}
	if s := node.group.Stats(); node.getter.count("Tom") != 1 || s.PeerErrors != 1 || s.PeerLoads != 0 {
		t.Fatalf("loads = %d, stats = %+v; want one local load after one peer error", node.getter.count("Tom"), s)
	}
	return node
}

func TestDeadPeerFallsBackToLocalLoad(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more
	fallbackCase(t, dead, 0)
}

func TestUnexpectedStatusFallsBackToLocalLoad(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusBadGateway, http.StatusServiceUnavailable} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "go away", status)
			}))
			defer srv.Close()
			fallbackCase(t, srv.URL, 0)
		})
	}
}

func TestPeerRequestTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	fallbackCase(t, srv.URL, 50*time.Millisecond)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Get took %v; the peer timeout did not apply", d)
	}
}

func TestPickPeerBeforeSetReturnsFalse(t *testing.T) {
	p := NewHTTPPool("http://127.0.0.1:8001")
	if peer, ok := p.PickPeer("Tom"); ok || peer != nil {
		t.Fatalf("PickPeer before Set = %v, %v; want nil, false", peer, ok)
	}
}

func TestNodeNeverCallsItselfWhateverTheSpelling(t *testing.T) {
	nodes := startCluster(t, 1, "scores")
	node := nodes[0]
	port := node.url[strings.LastIndex(node.url, ":")+1:]
	for _, spelling := range []string{
		"http://localhost:" + port + "/",
		"HTTP://LOCALHOST:" + port,
		"127.0.0.1:" + port,
	} {
		node.pool.Set(spelling, "http://127.0.0.1:1") // self and a second peer
		local := 0
		for n := range 50 {
			if _, remote := node.pool.PickPeer(fmt.Sprint("key", n)); !remote {
				local++
			}
		}
		if local == 0 {
			t.Fatalf("peers spelled %q: the node never recognised itself", spelling)
		}
	}
	node.pool.Set("http://LocalHost:" + port + "/") // only itself
	for n := range 20 {
		if _, err := node.group.Get(ctx, fmt.Sprint("key", n)); err != nil {
			t.Fatal(err)
		}
	}
	if s := node.group.Stats(); s.ServerRequests != 0 || s.LocalLoads != 20 {
		t.Fatalf("stats = %+v; want 20 local loads and no request to itself", s)
	}
}

func TestSetIgnoresDuplicatePeers(t *testing.T) {
	a, b := NewHTTPPool("http://127.0.0.1:9000"), NewHTTPPool("http://127.0.0.1:9000")
	a.Set("http://127.0.0.1:8001", "http://127.0.0.1:8002")
	b.Set("http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://localhost:8001", "127.0.0.1:8002/")
	for n := range 1000 {
		key := fmt.Sprint("key", n)
		pa, _ := a.PickPeer(key)
		pb, _ := b.PickPeer(key)
		if pa.(*httpGetter).peer != pb.(*httpGetter).peer {
			t.Fatalf("key %s: a duplicate peer changed the owner", key)
		}
	}
	if len(b.httpGetters) != 2 {
		t.Fatalf("%d getters; want 2", len(b.httpGetters))
	}
}

func TestPeerRequestsAreNotForwardedAgain(t *testing.T) {
	nodes := startCluster(t, 2, "scores")
	// Disagreeing peer lists: each node thinks the other owns every key.
	nodes[0].pool.Set(nodes[1].url)
	nodes[1].pool.Set(nodes[0].url)
	v, err := nodes[0].group.Get(ctx, "Tom")
	if err != nil || v.String() != "v:Tom" {
		t.Fatalf("Get(Tom) = %q, %v", v, err)
	}
	if nodes[1].getter.count("Tom") != 1 || nodes[0].getter.count("Tom") != 0 {
		t.Fatal("the node asked by a peer did not load the key itself")
	}
	if s := nodes[0].group.Stats(); s.ServerRequests != 0 {
		t.Fatalf("node 1 forwarded the peer's request back: %+v", s)
	}
}

func TestRegisterPeersTwicePanics(t *testing.T) {
	g := &Group{name: "x", getter: newCountingGetter()}
	g.RegisterPeers(NewHTTPPool("http://127.0.0.1:1"))
	mustPanic(t, "more than once", func() { g.RegisterPeers(NewHTTPPool("http://127.0.0.1:2")) })
	mustPanic(t, "nil PeerPicker", func() { (&Group{}).RegisterPeers(nil) })
}

func TestCancelledGetCancelsItsPeerRequest(t *testing.T) {
	nodes := startCluster(t, 2, "scores")
	loading, ownerErr := make(chan struct{}), make(chan error, 1)
	nodes[1].group.getter = GetterFunc(func(ctx context.Context, key string) ([]byte, error) {
		close(loading)
		<-ctx.Done() // a slow load that stops when told
		ownerErr <- ctx.Err()
		return nil, ctx.Err()
	})
	key := keyOwnedBy(t, nodes, 1, "slow")
	getCtx, giveUp := context.WithCancel(ctx)
	got := make(chan error, 1)
	go func() {
		_, err := nodes[0].group.Get(getCtx, key)
		got <- err
	}()
	within(t, loading, 5*time.Second, "the owner's load to start")
	giveUp()
	if err := within(t, got, 5*time.Second, "the Get to return"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get = %v; want context.Canceled", err)
	}
	if err := within(t, ownerErr, 5*time.Second, "the owner's load to see it"); !errors.Is(err, context.Canceled) {
		t.Fatalf("the owner's load ended with %v; want context.Canceled", err)
	}
	if n := nodes[0].getter.count(key); n != 0 {
		t.Fatalf("the asker loaded the key itself %d time(s) after its caller gave up", n)
	}
}

func TestPoolDefaults(t *testing.T) {
	p := NewHTTPPool("http://127.0.0.1:8001")
	o := p.opts
	if o.Replicas != DefaultReplicas || o.Timeout != DefaultPeerTimeout || o.MaxReplyBytes != 64<<20 ||
		o.HashFn != nil || o.Transport != nil || p.basePath != DefaultBasePath {
		t.Fatalf("options %+v, base path %q; want the defaults (at most 64 MiB a reply)", o, p.basePath)
	}
	for in, want := range map[string]string{
		"cache": "/cache/", "/cache": "/cache/", "cache/": "/cache/", "/a/b/": "/a/b/", "/": DefaultBasePath,
	} {
		if got := NewHTTPPoolOpts("http://x", &HTTPPoolOptions{BasePath: in}).basePath; got != want {
			t.Errorf("BasePath %q became %q; want %q", in, got, want)
		}
	}
}

// countingTransport counts the requests it carries.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestPoolOptionsAreUsed(t *testing.T) {
	var hashes atomic.Int32
	transport := &countingTransport{}
	nodes := startClusterOpts(t, 2, "scores", &HTTPPoolOptions{
		BasePath:  "/my-cache/",
		Replicas:  3,
		HashFn:    func(b []byte) uint32 { hashes.Add(1); return crc32.ChecksumIEEE(b) },
		Transport: transport,
	})
	if n := hashes.Load(); n != 2*2*3 {
		t.Fatalf("HashFn ran %d times to build two rings of two peers; want 12 (3 replicas each)", n)
	}
	key := keyOwnedBy(t, nodes, 1, "opt")
	if v, err := nodes[0].group.Get(ctx, key); err != nil || v.String() != "v:"+key {
		t.Fatalf("Get(%s) = %q, %v", key, v, err)
	}
	if s := nodes[0].group.Stats(); s.PeerLoads != 1 || transport.n.Load() != 1 {
		t.Fatalf("stats %+v, %d request(s) through the transport; want one peer load through it", s, transport.n.Load())
	}
	if status, _, _ := fetch(t, nodes[1].url+"/my-cache/scores/"+key); status != http.StatusOK {
		t.Fatalf("GET under the base path = %d; want 200", status)
	}
	if status, _, _ := fetch(t, nodes[1].url+DefaultBasePath+"scores/"+key); status != http.StatusNotFound {
		t.Fatalf("GET under the default base path = %d; want 404", status)
	}
}

func TestPeerReplyOverTheLimitIsRejectedWhileReading(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 8<<10)) // twice the limit, then no end:
		w.(http.Flusher).Flush()                  // a reader that waited for it would hang
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	node := startClusterOpts(t, 1, "scores", &HTTPPoolOptions{MaxReplyBytes: 4 << 10, Timeout: time.Minute})[0]
	node.pool.Set(srv.URL) // the peer owns every key
	got := make(chan error, 1)
	go func() {
		v, err := node.group.Get(ctx, "Tom")
		if err == nil && v.String() != "v:Tom" {
			err = fmt.Errorf("value %q", v)
		}
		got <- err
	}()
	if err := within(t, got, 10*time.Second, "a Get whose peer sends too much"); err != nil {
		t.Fatalf("Get(Tom) = %v; want a local load after the peer's reply was cut", err)
	}
	if s := node.group.Stats(); s.PeerErrors != 1 || s.LocalLoads != 1 {
		t.Fatalf("stats = %+v; want one peer error, then one local load", s)
	}
}

func TestPeerReplyAtTheLimitIsAccepted(t *testing.T) {
	nodes := startCluster(t, 2, "scores")
	key := keyOwnedBy(t, nodes, 1, "edge")
	_, _, reply := fetch(t, nodes[1].url+DefaultBasePath+"scores/"+key) // the owner's exact answer
	size := int64(len(reply))
	for _, tt := range []struct {
		limit    int64
		accepted bool
	}{{size, true}, {size - 1, false}} {
		nodes[0].pool.opts.MaxReplyBytes = tt.limit
		nodes[0].pool.Set(nodes[0].url, nodes[1].url)
		before := nodes[0].group.Stats()
		if v, err := nodes[0].group.Get(ctx, key); err != nil || v.String() != "v:"+key {
			t.Fatalf("limit %d: Get = %q, %v", tt.limit, v, err)
		}
		after := nodes[0].group.Stats()
		if accepted := after.PeerLoads > before.PeerLoads; accepted != tt.accepted {
			t.Fatalf("limit %d for a reply of %d bytes: accepted = %v", tt.limit, size, accepted)
		}
	}
}
