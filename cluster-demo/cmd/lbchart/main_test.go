package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sample = `{"callsPerBalancer": 10, "workers": 2,
 "nodes": [{"name": "node-1", "weight": 3, "delay": 0}, {"name": "node-2", "weight": 1, "delay": 2000000}],
 "results": [{"balancer": "gee_round_robin", "calls": {"node-1": 5, "node-2": 5}, "failed": 0},
             {"balancer": "pick_first", "calls": {"node-1": 10}, "failed": 0}]}`

func TestGenerateWritesSVGAndTable(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "run.json")
	md := filepath.Join(dir, "page.md")
	svgPath := filepath.Join(dir, "chart.svg")
	os.WriteFile(in, []byte(sample), 0o644)
	os.WriteFile(md, []byte("intro\n"+startMarker+"\nold table\n"+endMarker+"\noutro\n"), 0o644)
	if err := generate(in, svgPath, md); err != nil {
		t.Fatal(err)
	}
	page, _ := os.ReadFile(md)
	for _, want := range []string{"intro\n", "| `gee_round_robin` | 5 | 5 | 0 |", "| `pick_first` | 10 | 0 | 0 |", "node-2 (w1, +2ms)", "outro\n"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(string(page), "old table") {
		t.Error("old table kept")
	}
	chart, _ := os.ReadFile(svgPath)
	if !strings.HasPrefix(string(chart), "<svg") || !strings.Contains(string(chart), "<title>node-1: 10</title>") {
		t.Errorf("chart does not show pick_first's 10 calls:\n%s", chart)
	}
}

func TestGenerateRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "run.json")
	os.WriteFile(in, []byte(`{"nodes": []}`), 0o644)
	if err := generate(in, filepath.Join(dir, "x.svg"), ""); err == nil {
		t.Error("empty run accepted")
	}
	os.WriteFile(in, []byte(sample), 0o644)
	md := filepath.Join(dir, "nomarkers.md")
	os.WriteFile(md, []byte("no markers here\n"), 0o644)
	if err := generate(in, "", md); err == nil || !strings.Contains(err.Error(), "markers") {
		t.Errorf("page without markers: %v", err)
	}
	if err := generate(in, "", ""); err == nil {
		t.Error("no output requested, no error")
	}
}
