package main

import (
	"strings"
	"testing"
)

func TestDemoLoadsEachKeyOnce(t *testing.T) {
	var out strings.Builder
	run(&out, newScores(t.Name(), &out))
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
