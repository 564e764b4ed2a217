package main

import (
	"testing"
	"time"
)

func TestDemoChecksPass(t *testing.T) {
	if err := run(70, 3, []int{5, 1, 1}, time.Millisecond, "127.0.0.1", false); err != nil {
		t.Fatal(err)
	}
}

func TestParseWeights(t *testing.T) {
	if ws, err := parseWeights("5, 3,2"); err != nil || ws[0] != 5 || ws[1] != 3 || ws[2] != 2 {
		t.Fatalf("got %v %v", ws, err)
	}
	for _, bad := range []string{"1,2", "1,2,3,4", "0,1,1", "a,1,1", "1,1,99999999"} {
		if _, err := parseWeights(bad); err == nil {
			t.Errorf("weights %q accepted", bad)
		}
	}
}
