package main

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

func TestDemoLoadsEachKeyOnce(t *testing.T) {
	name := groupName(t)
	var out strings.Builder
	run(&out, newScores(name, &out))
	got := out.String()
	for key, want := range map[string]int{"Tom": 1, "Jack": 1, "unknown": 1} {
		if n := strings.Count(got, "[SlowDB] search key "+key+"\n"); n != want {
			t.Errorf("%s loaded %d times; want %d:\n%s", key, n, want, got)
		}
	}
	for _, want := range []string{
		`get "Tom": 630`, `get "unknown": error: unknown not exist`,
		`get "": error: geecache: key is required`, "stats: {Gets:5 Hits:2 Loads:3 LocalLoads:2 LocalLoadErrs:1}",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

var groupSeq atomic.Int64

// groupName returns a group name no other test run has registered, so the
// tests also pass with -count > 1 (group names are process-wide).
func groupName(t *testing.T) string {
	return fmt.Sprintf("%s-%d", t.Name(), groupSeq.Add(1))
}
