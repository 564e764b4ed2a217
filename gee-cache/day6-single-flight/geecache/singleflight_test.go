package geecache

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"gee-cache/day6-single-flight/geecache/singleflight"
)

// heldGetter counts its calls and holds each one until release is closed.
type heldGetter struct {
	calls   atomic.Int32
	release chan struct{}
}

func (h *heldGetter) Get(_ context.Context, key string) ([]byte, error) {
	h.calls.Add(1)
	<-h.release
	return []byte("v:" + key), nil
}

// getConcurrently calls g.Get(ctx, key) from n goroutines, waits until all of
// them are blocked (one inside the load, the others waiting for it), then
// releases the load and checks every answer.
func getConcurrently(t *testing.T, g *Group, key string, n int, release chan struct{}) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if v, err := g.Get(ctx, key); err != nil || v.String() != "v:"+key {
				t.Errorf("Get(%s) = %q, %v", key, v, err)
			}
		})
	}
	synctest.Wait()
	close(release)
	wg.Wait()
}

func TestConcurrentGetsOfAMissingKeyCallTheGetterOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		getter := &heldGetter{release: make(chan struct{})}
		g := &Group{name: "scores", getter: getter}
		getConcurrently(t, g, "Tom", 20, getter.release)
		if c := getter.calls.Load(); c != 1 {
			t.Fatalf("getter called %d times for 20 concurrent Gets; want 1", c)
		}
		if s := g.Stats(); s.Gets != 20 || s.Loads != 20 || s.LoadsDeduped != 1 || s.LocalLoads != 1 {
			t.Fatalf("stats = %+v; want 20 gets and loads merged into 1", s)
		}
	})
}

func TestPanickingGetterReturnsAnErrorAndNextGetLoadsAgain(t *testing.T) {
	var calls atomic.Int32
	g := &Group{name: "scores", getter: GetterFunc(func(_ context.Context, key string) ([]byte, error) {
		if calls.Add(1) == 1 {
			panic("database driver bug")
		}
		return []byte("v:" + key), nil
	})}
	_, err := g.Get(ctx, "Tom")
	var pe *singleflight.PanicError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "database driver bug") {
		t.Fatalf("Get error = %v; want a *singleflight.PanicError", err)
	}
	if v, err := g.Get(ctx, "Tom"); err != nil || v.String() != "v:Tom" || calls.Load() != 2 {
		t.Fatalf("Get after the panic = %q, %v (%d calls); want a fresh load", v, err, calls.Load())
	}
}

// memTransport delivers requests straight to the pool of the addressed
// node, so that a whole cluster runs inside a synctest bubble.
type memTransport map[string]http.Handler

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h, ok := m[r.URL.Host]
	if !ok {
		return nil, errors.New("memTransport: no such host " + r.URL.Host)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

func TestConcurrentGetsAcrossNodesSendOnePeerRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		transport := memTransport{}
		urls := []string{"http://127.0.0.1:8001", "http://127.0.0.1:8002"}
		owner := &heldGetter{release: make(chan struct{})}
		other := &heldGetter{release: make(chan struct{})}
		var nodes []*testNode
		for i, url := range urls {
			node := &testNode{url: url, pool: NewHTTPPool(url)}
			node.group = &Group{name: "scores", getter: []Getter{other, owner}[i]}
			node.pool.lookupGroup = func(string) *Group { return node.group }
			node.pool.opts.Transport = transport
			node.pool.Set(urls...)
			node.group.RegisterPeers(node.pool)
			transport[strings.TrimPrefix(url, "http://")] = node.pool
			nodes = append(nodes, node)
		}
		key := keyOwnedBy(t, nodes, 1, "hot")

		getConcurrently(t, nodes[0].group, key, 20, owner.release)
		if c := owner.calls.Load() + other.calls.Load(); c != 1 {
			t.Fatalf("the key was loaded %d times; want 1", c)
		}
		asker, served := nodes[0].group.Stats(), nodes[1].group.Stats()
		if asker.PeerLoads != 1 || served.ServerRequests != 1 {
			t.Fatalf("asker %+v, owner %+v; want exactly one peer request", asker, served)
		}
	})
}

func TestWaiterOutlivesTheCallerThatGaveUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		g := &Group{name: "scores", getter: GetterFunc(func(ctx context.Context, key string) ([]byte, error) {
			if calls.Add(1) == 1 {
				<-ctx.Done() // the first load waits until its caller gives up
				return nil, ctx.Err()
			}
			return []byte("v:" + key), nil
		})}
		first, giveUp := context.WithCancel(ctx)
		firstErr, waiter := make(chan error, 1), make(chan string, 1)
		go func() {
			_, err := g.Get(first, "Tom")
			firstErr <- err
		}()
		synctest.Wait() // the first Get is inside its load
		go func() {
			v, err := g.Get(ctx, "Tom")
			waiter <- fmt.Sprint(v, err)
		}()
		synctest.Wait() // the second Get waits for the same flight
		giveUp()
		if err := <-firstErr; !errors.Is(err, context.Canceled) {
			t.Fatalf("the Get that gave up = %v; want context.Canceled", err)
		}
		if got := <-waiter; got != "v:Tom <nil>" {
			t.Fatalf("the waiting Get = %s; want v:Tom <nil>, from a load of its own", got)
		}
		if n := calls.Load(); n != 2 {
			t.Fatalf("getter called %d times; want 2", n)
		}
	})
}
