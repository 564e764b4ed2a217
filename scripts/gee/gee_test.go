package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func runGee(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = gee(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestUnknownVerbIsUsageErrorListingVerbs(t *testing.T) {
	code, _, stderr := runGee(t, "frobnicate")
	if code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "list, diff, run, test, check, tour, bench") {
		t.Fatalf("want one line listing the verbs, got %q", stderr)
	}
}

func TestUnknownChapterIsUsageErrorListingChapters(t *testing.T) {
	for _, verb := range []string{"diff", "run", "test"} {
		code, _, stderr := runGee(t, verb, "gee-web/day9-nothing")
		if code != 2 {
			t.Errorf("%s: exit code %d, want 2", verb, code)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "gee-web/day3-router") {
			t.Errorf("%s: want one line listing chapters, got %q", verb, stderr)
		}
	}
}

func TestDiffOfFirstChapterIsUsageError(t *testing.T) {
	code, _, stderr := runGee(t, "diff", "gee-web/day1-http-base")
	if code != 2 || !strings.Contains(stderr, "first chapter") {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
}

func TestListShowsEveryChapterWithTitle(t *testing.T) {
	code, stdout, _ := runGee(t, "list")
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	for _, c := range allChapters() {
		if c.Name != "" && !strings.Contains(stdout, c.Name+" ") {
			t.Errorf("list does not show %s", c.Path())
		}
		if !strings.Contains(stdout, c.Title) {
			t.Errorf("list does not show the title of %s", c.Path())
		}
	}
	if n := len(allChapters()); n != 29 {
		t.Errorf("%d chapters in the map, want 4×7 + cluster-demo", n)
	}
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDiffLeavesOutChapterRenamesAndShowsTheStep(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"fw/day1-a/go.mod":     "module fw/day1-a\n\ngo 1.26\n",
		"fw/day1-a/main.go":    "package main\n\nimport \"fw/day1-a/gee\"\n\nfunc main() {\n\tgee.Run()\n}\n",
		"fw/day1-a/gee/gee.go": "package gee\n\nfunc Run() {}\n",
		"fw/day1-a/gone.txt":   "old\n",
		"fw/day2-b/go.mod":     "module fw/day2-b\n\ngo 1.26\n",
		"fw/day2-b/main.go":    "package main\n\nimport \"fw/day2-b/gee\"\n\nfunc main() {\n\tgee.Use()\n\tgee.Run()\n}\n",
		"fw/day2-b/gee/gee.go": "package gee\n\nfunc Run() {}\n",
		"fw/day2-b/gee/mw.go":  "package gee\n\nfunc Use() {}\n",
	})
	var out bytes.Buffer
	if err := diffChapters(&out, root, "fw/day1-a", "fw/day2-b"); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, noise := range []string{"go.mod", "-import", "+import", "gee/gee.go"} {
		if strings.Contains(got, noise) {
			t.Errorf("diff shows rename noise %q:\n%s", noise, got)
		}
	}
	for _, step := range []string{
		"--- /dev/null\n+++ fw/day2-b/gee/mw.go\n@@ -0,0 +1,3 @@\n+package gee\n+\n+func Use() {}\n",
		"--- fw/day1-a/gone.txt\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-old\n",
		"+\tgee.Use()\n",
	} {
		if !strings.Contains(got, step) {
			t.Errorf("diff lacks %q:\n%s", step, got)
		}
	}
}

func TestHunksKeepThreeLinesOfContext(t *testing.T) {
	var a, b []string
	for i := 1; i <= 20; i++ {
		a = append(a, strings.Repeat("x", i)+"\n")
	}
	b = append(b, a...)
	b[9] = "changed\n"
	var out bytes.Buffer
	writeHunks(&out, a, b, 3)
	want := "@@ -7,7 +7,7 @@\n " + a[6] + " " + a[7] + " " + a[8] + "-" + a[9] + "+changed\n " + a[10] + " " + a[11] + " " + a[12]
	if got := out.String(); got != want {
		t.Fatalf("got hunk:\n%s\nwant:\n%s", got, want)
	}
}

const benchOutput = `goos: linux
BenchmarkStatic/gee-2         	1000	  100 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gin-2         	1000	   80 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gee-2         	1000	  120 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gin-2         	1000	   90 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gee-2         	1000	  110 ns/op	  16 B/op	   1 allocs/op
BenchmarkStatic/gin-2         	1000	  100 ns/op	   0 B/op	   0 allocs/op
BenchmarkUnary/gee-rr         	1000	  200 ns/op	   5 B/op	   1 allocs/op
BenchmarkUnary/round_robin    	1000	  100 ns/op	   5 B/op	   1 allocs/op
BenchmarkNoImpl-2             	1000	  100 ns/op
PASS
`

func TestParseBenchTakesMediansPerCaseAndImpl(t *testing.T) {
	res := parseBench(strings.NewReader(benchOutput))
	if len(res) != 4 {
		t.Fatalf("got %d results, want 4: %+v", len(res), res)
	}
	gee, gin := res[0], res[1]
	if gee.Case != "Static" || gee.Impl != "gee" || gee.NsPerOp != 110 || gee.Runs != 3 || gee.AllocsPerOp != 0 {
		t.Errorf("gee: %+v", gee)
	}
	if gin.Impl != "gin" || gin.NsPerOp != 90 {
		t.Errorf("gin: %+v", gin)
	}
	// Per-round ratios 100/80, 120/90, 110/100: their median is 1.25 (medians alone give 1.22).
	if got := ratios(res, gee); len(got) != 1 || got[0] != "1.25× gin" {
		t.Errorf("ratios %v", got)
	}
	if r, p, ok := mainRatio(res, "Unary"); !ok || p != "round_robin" || r != 2 {
		t.Errorf("mainRatio = %v %v %v", r, p, ok)
	}
	var md bytes.Buffer
	writeBenchMarkdown(&md, "gee-web", res)
	if !strings.Contains(md.String(), "| Static | gee | 110 | 0 | 0 | 1.25× gin |") || !strings.Contains(md.String(), "xychart-beta") {
		t.Errorf("markdown:\n%s", md.String())
	}
}

func TestMedianOfEvenCountAveragesTheMiddle(t *testing.T) {
	if m := median([]float64{4, 1, 3, 2}); m != 2.5 {
		t.Fatalf("median = %v", m)
	}
}

func newTestTour(t *testing.T) (*Tour, *bytes.Buffer) {
	t.Helper()
	var out bytes.Buffer
	tour, err := newTour(context.Background(), t.TempDir(), &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tour.close)
	return tour, &out
}

func TestTourRequestPrintsAndChecksAnswers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hello" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte("hello, tour"))
	}))
	defer srv.Close()
	tour, out := newTestTour(t)
	a, err := tour.Request("GET", srv.URL+"/hello", "")
	if !tour.CheckAnswer(a, err, 200, "hello, tour") {
		t.Fatalf("check failed:\n%s", out)
	}
	a, err = tour.Request("GET", srv.URL+"/nope", "")
	if tour.CheckAnswer(a, err, 200, "") {
		t.Fatal("a 404 passed a check for 200")
	}
	if tour.checks != 2 || tour.failed != 1 {
		t.Fatalf("checks %d failed %d", tour.checks, tour.failed)
	}
	for _, want := range []string{"→ GET " + srv.URL + "/hello", "← 200 OK", "hello, tour", "✔ status 200", "✘ want status 200, got status 404"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("transcript lacks %q:\n%s", want, out)
		}
	}
}

func TestProcWaitForSeesOutputAndExit(t *testing.T) {
	tour, _ := newTestTour(t)
	p, err := tour.Start("talker", "/bin/sh", "-c", "echo listening on 127.0.0.1:1; exec sleep 60")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.WaitFor("listening on", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	if err := p.WaitFor("never printed", 10*time.Second); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("WaitFor after exit: %v", err)
	}
	q, err := tour.Start("quiet", "/bin/sh", "-c", "exec sleep 60")
	if err != nil {
		t.Fatal(err)
	}
	if err := q.WaitFor("anything", 50*time.Millisecond); err == nil || !strings.Contains(err.Error(), "within") {
		t.Fatalf("WaitFor on a quiet process: %v", err)
	}
	q.Kill()
}

func TestTourFailsWhenAPartFails(t *testing.T) {
	saved := tourParts
	defer func() { tourParts = saved }()
	tourParts = []tourPart{
		{"gee-web", func(t *Tour) error { t.Check(true, "fine"); return nil }},
		{"gee-cache", func(t *Tour) error { t.Check(false, "broken"); return nil }},
	}
	code, stdout, stderr := runGee(t, "tour")
	if code != 1 || !strings.Contains(stdout, "gee-cache") || !strings.Contains(stderr, "1 of 2 tour parts failed") {
		t.Fatalf("code %d\n%s\n%s", code, stdout, stderr)
	}
	code, _, _ = runGee(t, "tour", "gee-web")
	if code != 0 {
		t.Fatalf("the passing part alone: exit code %d", code)
	}
	code, _, stderr = runGee(t, "tour", "gee-nothing")
	if code != 2 || !strings.Contains(stderr, "gee-web, gee-cache") {
		t.Fatalf("unknown part: code %d, %q", code, stderr)
	}
}

func TestBenchDocKeepsProseAroundTheGeneratedTables(t *testing.T) {
	path := filepath.Join(t.TempDir(), "benchmarks.md")
	if err := writeBenchDoc(path, []byte("first tables\n")); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	doc := strings.Replace(string(data), "# Benchmarks\n", "# Benchmarks\n\nprose before\n", 1) + "prose after\n"
	os.WriteFile(path, []byte(doc), 0o644)
	if err := writeBenchDoc(path, []byte("second tables\n")); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	got := string(data)
	if strings.Contains(got, "first tables") || !strings.Contains(got, "second tables") ||
		!strings.Contains(got, "prose before") || !strings.Contains(got, "prose after") {
		t.Fatalf("doc after the second run:\n%s", got)
	}
	os.WriteFile(path, []byte("no markers\n"), 0o644)
	if err := writeBenchDoc(path, []byte("x")); err == nil {
		t.Fatal("a doc without markers was overwritten")
	}
}

func TestPairedRatioIgnoresASlowSpellThatHitsBothSides(t *testing.T) {
	// In round 2 the machine was three times slower for both; we are 0.8× the peer every round.
	ours := benchResult{NsPerOp: 100, RoundNs: []float64{80, 240, 80}}
	peer := benchResult{NsPerOp: 100, RoundNs: []float64{100, 300, 100}}
	if r := pairedRatio(ours, peer); r < 0.799 || r > 0.801 {
		t.Fatalf("paired ratio %v, want 0.8", r)
	}
	uneven := benchResult{NsPerOp: 50, RoundNs: []float64{50}}
	if r := pairedRatio(uneven, peer); r != 0.5 {
		t.Fatalf("without matching rounds the medians divide: got %v", r)
	}
}
