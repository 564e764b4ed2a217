package main

import (
	"context"
	"testing"
	"time"
)

func TestFailoverDemoLosesNoCallWhenANodeDies(t *testing.T) {
	ok, err := run(context.Background(), "failover", "127.0.0.1", 150, 4, 50, time.Millisecond)
	if err != nil || !ok {
		t.Fatalf("demo outcome ok=%v err=%v; see its output above", ok, err)
	}
}

func TestFailfastDemoRunsToTheEnd(t *testing.T) {
	ok, err := run(context.Background(), "failfast", "127.0.0.1", 60, 2, 20, 0)
	if err != nil || !ok {
		t.Fatalf("demo outcome ok=%v err=%v", ok, err)
	}
}
