package main

import (
	"strings"
	"testing"
)

func TestDemoEvictsTheLeastRecentlyUsed(t *testing.T) {
	var out strings.Builder
	run(&out, 16)
	for _, want := range []string{
		"  evicted Tom=630\n", "  evicted Jack=589\n",
		"get Sam -> 567\n", "get Lily -> 720\n", "get Tom -> not cached\n", "entries: 2\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	run(&out, 0)
	if strings.Contains(out.String(), "evicted") || !strings.Contains(out.String(), "entries: 4\n") {
		t.Errorf("an unbounded cache evicted:\n%s", out.String())
	}
}
