package ratelimit_test

import (
	"fmt"
	"time"

	"cluster-demo/ratelimit"
)

func ExampleNewTokenBucket() {
	clock := ratelimit.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	bucket, err := ratelimit.NewTokenBucket(3, time.Second, ratelimit.WithClock(clock))
	if err != nil {
		fmt.Println(err)
		return
	}
	for i := range 4 {
		fmt.Println("call", i, "allowed:", bucket.Allow())
	}
	clock.Advance(time.Second)
	fmt.Println("one second later allowed:", bucket.Allow())
	// Output:
	// call 0 allowed: true
	// call 1 allowed: true
	// call 2 allowed: true
	// call 3 allowed: false
	// one second later allowed: true
}

func ExampleNewLeakyBucket() {
	clock := ratelimit.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	bucket, _ := ratelimit.NewLeakyBucket(3, 100*time.Millisecond, ratelimit.WithClock(clock))
	for i := range 4 {
		wait, ok := bucket.Reserve()
		fmt.Printf("call %d: ok=%v wait=%v\n", i, ok, wait)
	}
	// Output:
	// call 0: ok=true wait=0s
	// call 1: ok=true wait=100ms
	// call 2: ok=true wait=200ms
	// call 3: ok=false wait=0s
}
