package geecache

import (
	"context"
	"testing"
)

func TestGetOfACachedKeyDoesNotAllocate(t *testing.T) {
	g := NewGroup(groupName(t), 1<<10, GetterFunc(func(_ context.Context, key string) ([]byte, error) {
		return []byte("v:" + key), nil
	}))
	if _, err := g.Get(ctx, "Tom"); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(1000, func() { g.Get(ctx, "Tom") }); n != 0 {
		t.Fatalf("a cache hit allocates %.1f times; want 0", n)
	}
}
