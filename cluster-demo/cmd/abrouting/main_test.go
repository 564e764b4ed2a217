package main

import "testing"

func TestDemoChecksPass(t *testing.T) {
	failures, err := run(10, 5, "127.0.0.1")
	if err != nil || failures != 0 {
		t.Fatalf("run: %d checks failed, err %v", failures, err)
	}
}
