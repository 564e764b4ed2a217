package geecache

import "testing"

func TestGetOfACachedKeyDoesNotAllocate(t *testing.T) {
	g := NewGroup(groupName(t), 1<<10, GetterFunc(func(key string) ([]byte, error) {
		return []byte("v:" + key), nil
	}))
	if _, err := g.Get("Tom"); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, func() { g.Get("Tom") }); n != 0 {
		t.Fatalf("a cache hit allocates %.1f times; want 0", n)
	}
}
