package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestDemoMovesAboutAQuarterOfTheKeys(t *testing.T) {
	var out strings.Builder
	run(&out, 200, 20000)
	m := regexp.MustCompile(`moved (\d+) keys`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no 'moved' line:\n%s", out.String())
	}
	moved, _ := strconv.Atoi(m[1])
	if frac := float64(moved) / 20000; frac < 0.1 || frac > 0.4 {
		t.Fatalf("%.1f%% of the keys moved; want about 25%%:\n%s", 100*frac, out.String())
	}
	if !strings.Contains(out.String(), "Tom  -> http://localhost:8001") {
		t.Errorf("Tom's owner changed:\n%s", out.String())
	}
}
