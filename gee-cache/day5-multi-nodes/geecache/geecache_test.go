package geecache

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// ctx is the context of the tests' Gets.
var ctx = context.Background()

var db = map[string]string{
	"Tom":  "630",
	"Jack": "589",
	"Sam":  "567",
}

// countingGetter loads from db and counts calls per key.
type countingGetter struct {
	mu    sync.Mutex
	calls map[string]int
}

func newCountingGetter() *countingGetter {
	return &countingGetter{calls: make(map[string]int)}
}

func (c *countingGetter) Get(_ context.Context, key string) ([]byte, error) {
	c.mu.Lock()
	c.calls[key]++
	c.mu.Unlock()
	if v, ok := db[key]; ok {
		return []byte(v), nil
	}
	return nil, fmt.Errorf("%s not exist", key)
}

func (c *countingGetter) count(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls[key]
}

func TestGetterFuncCallsTheFunction(t *testing.T) {
	var f Getter = GetterFunc(func(_ context.Context, key string) ([]byte, error) {
		return []byte("v:" + key), nil
	})
	if v, _ := f.Get(ctx, "k"); string(v) != "v:k" {
		t.Fatalf("Get = %q; want %q", v, "v:k")
	}
}

func TestGetLoadsOnceThenHitsCache(t *testing.T) {
	name := groupName(t)
	getter := newCountingGetter()
	g := NewGroup(name, 2<<10, getter)
	for k, want := range db {
		for range 3 {
			v, err := g.Get(ctx, k)
			if err != nil || v.String() != want {
				t.Fatalf("Get(%q) = %q, %v; want %q", k, v, err, want)
			}
		}
		if n := getter.count(k); n != 1 {
			t.Fatalf("getter called %d times for %q; want 1", n, k)
		}
	}
	if s := g.Stats(); s.Gets != 9 || s.Hits != 6 || s.Loads != 3 || s.LocalLoads != 3 {
		t.Fatalf("Stats = %+v; want 9 gets, 6 hits, 3 loads, 3 local loads", s)
	}
}

func TestGetEmptyKeyIsAnError(t *testing.T) {
	name := groupName(t)
	getter := newCountingGetter()
	g := NewGroup(name, 0, getter)
	if _, err := g.Get(ctx, ""); !errors.Is(err, ErrEmptyKey) {
		t.Fatalf("Get(\"\") error = %v; want ErrEmptyKey", err)
	}
	if getter.count("") != 0 {
		t.Fatal("the getter was called for the empty key")
	}
}

func TestGetterErrorIsReturnedAndNotCached(t *testing.T) {
	name := groupName(t)
	getter := newCountingGetter()
	g := NewGroup(name, 2<<10, getter)
	for range 2 {
		_, err := g.Get(ctx, "unknown")
		if err == nil || !strings.Contains(err.Error(), "unknown not exist") {
			t.Fatalf("Get(unknown) error = %v; want the getter's error", err)
		}
	}
	if n := getter.count("unknown"); n != 2 {
		t.Fatalf("getter called %d times; want 2 (errors are not cached)", n)
	}
	if s := g.Stats(); s.LocalLoadErrs != 2 || s.Hits != 0 {
		t.Fatalf("Stats = %+v; want 2 LocalLoadErrs and no hits", s)
	}
}

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(fmt.Sprint(r), want) {
			t.Fatalf("panic = %v; want one containing %q", r, want)
		}
	}()
	f()
}

func TestNewGroupNilGetterPanics(t *testing.T) {
	name := groupName(t)
	mustPanic(t, "geecache: nil Getter", func() { NewGroup(name, 0, nil) })
	if GetGroup(name) != nil {
		t.Fatal("a group with a nil getter was registered")
	}
}

func TestNewGroupDuplicateNamePanics(t *testing.T) {
	name := groupName(t)
	first := NewGroup(name, 0, newCountingGetter())
	mustPanic(t, "already registered", func() { NewGroup(name, 0, newCountingGetter()) })
	if GetGroup(name) != first {
		t.Fatal("the duplicate replaced the first group")
	}
}

func TestGetGroup(t *testing.T) {
	name := groupName(t)
	g := NewGroup(name, 0, newCountingGetter())
	if GetGroup(name) != g || g.Name() != name {
		t.Fatal("GetGroup did not return the group just created")
	}
	if GetGroup(name+"-missing") != nil {
		t.Fatal("GetGroup of an unknown name is not nil")
	}
}

func TestByteSliceReturnsACopy(t *testing.T) {
	name := groupName(t)
	g := NewGroup(name, 2<<10, newCountingGetter())
	v, _ := g.Get(ctx, "Tom")
	b := v.ByteSlice()
	b[0] = 'X'
	if again, _ := g.Get(ctx, "Tom"); again.String() != "630" {
		t.Fatalf("cached value changed to %q by a caller", again)
	}
}

func TestGetterReusingItsSliceDoesNotChangeCache(t *testing.T) {
	name := groupName(t)
	buf := []byte("first")
	g := NewGroup(name, 2<<10, GetterFunc(func(context.Context, string) ([]byte, error) { return buf, nil }))
	g.Get(ctx, "k")
	copy(buf, "XXXXX")
	if v, _ := g.Get(ctx, "k"); v.String() != "first" {
		t.Fatalf("cached value = %q; want %q", v, "first")
	}
}

func TestGetPassesItsContextToTheGetter(t *testing.T) {
	type ctxKey struct{}
	want := context.WithValue(ctx, ctxKey{}, "caller's")
	var got any
	g := NewGroup(groupName(t), 2<<10, GetterFunc(func(ctx context.Context, key string) ([]byte, error) {
		got = ctx.Value(ctxKey{})
		return []byte("v"), nil
	}))
	if _, err := g.Get(want, "k"); err != nil || got != "caller's" {
		t.Fatalf("Get = %v; the getter saw context value %v, want the caller's", err, got)
	}
}

func TestZeroCacheBytesDisablesCaching(t *testing.T) {
	getter := newCountingGetter()
	g := NewGroup(groupName(t), 0, getter)
	for range 3 {
		if v, err := g.Get(ctx, "Tom"); err != nil || v.String() != "630" {
			t.Fatalf("Get(Tom) = %q, %v", v, err)
		}
	}
	if n, s := getter.count("Tom"), g.Stats(); n != 3 || s.Hits != 0 {
		t.Fatalf("%d loads, %d hits; want every Get to load, as groupcache does at cacheBytes 0", n, s.Hits)
	}
}

func TestCacheEvictsWithinBudget(t *testing.T) {
	name := groupName(t)
	getter := newCountingGetter()
	// "Tom"+"630" = 6 bytes: room for one entry only.
	g := NewGroup(name, 6, getter)
	g.Get(ctx, "Tom")
	g.Get(ctx, "Sam")
	g.Get(ctx, "Tom")
	if n := getter.count("Tom"); n != 2 {
		t.Fatalf("Tom loaded %d times; want 2 (evicted by Sam)", n)
	}
}

func TestConcurrentGets(t *testing.T) {
	name := groupName(t)
	g := NewGroup(name, 0, newCountingGetter())
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			keys := []string{"Tom", "Jack", "Sam"}
			k := keys[i%3]
			if v, err := g.Get(ctx, k); err != nil || v.String() != db[k] {
				t.Errorf("Get(%q) = %q, %v", k, v, err)
			}
		})
	}
	wg.Wait()
	s := g.Stats()
	if s.Gets != 50 || s.Hits+s.Loads != 50 {
		t.Fatalf("Stats = %+v; want 50 gets split into hits and loads", s)
	}
}

func TestByteView(t *testing.T) {
	v := ByteView{b: []byte("abc")}
	if v.Len() != 3 || v.String() != "abc" || !reflect.DeepEqual(v.ByteSlice(), []byte("abc")) {
		t.Fatalf("ByteView = %d %q %q", v.Len(), v.String(), v.ByteSlice())
	}
}

var groupSeq atomic.Int64

// groupName returns a group name no other test run has registered, so the
// tests also pass with -count > 1 (group names are process-wide).
func groupName(t *testing.T) string {
	return fmt.Sprintf("%s-%d", t.Name(), groupSeq.Add(1))
}
