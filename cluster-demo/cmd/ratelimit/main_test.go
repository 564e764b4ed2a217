package main

import (
	"context"
	"testing"
	"time"
)

func TestRateLimitDemoLetsExactlyTheLimitThrough(t *testing.T) {
	ok, err := run(context.Background(), "127.0.0.1", 12, 3, 500*time.Millisecond)
	if err != nil || !ok {
		t.Fatalf("demo outcome ok=%v err=%v; see its output above", ok, err)
	}
}
