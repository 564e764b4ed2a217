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
	if n := len(allChapters()); n != 33 {
		t.Errorf("%d chapters in the map, want 4×8 + cluster-demo", n)
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

const benchDay7Output = `BenchmarkStatic/gee-2         	1000	   50 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gee-day7-2    	1000	  100 ns/op	  16 B/op	   1 allocs/op
BenchmarkStatic/httprouter-2  	1000	   90 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gin-2         	1000	   80 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gee-2         	1000	  150 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gee-day7-2    	1000	  200 ns/op	  16 B/op	   1 allocs/op
BenchmarkStatic/httprouter-2  	1000	  290 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gin-2         	1000	  250 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gee-2         	1000	   60 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gee-day7-2    	1000	  120 ns/op	  16 B/op	   1 allocs/op
BenchmarkStatic/httprouter-2  	1000	  100 ns/op	   0 B/op	   0 allocs/op
BenchmarkStatic/gin-2         	1000	  100 ns/op	   0 B/op	   0 allocs/op
BenchmarkRing/peers=8/gee-2   	1000	   40 ns/op	   0 B/op	   0 allocs/op
BenchmarkRing/peers=8/groupcache-2 	1000	   80 ns/op	  16 B/op	   1 allocs/op
BenchmarkUnary/gee-rr         	1000	  200 ns/op	   5 B/op	   1 allocs/op
BenchmarkUnary/round_robin    	1000	  100 ns/op	   5 B/op	   1 allocs/op
`

func TestBenchSummaryPutsDay8AndDay7SideBySideAgainstTheMainPeer(t *testing.T) {
	res := parseBench(strings.NewReader(benchDay7Output))
	sums := summarize(res)
	if len(sums) != 2 {
		t.Fatalf("want a summary for Static and Ring/peers=8 (Unary has neither day), got %+v", sums)
	}
	s := sums[0]
	if s.Case != "Static" || s.Day8 == nil || s.Day7 == nil || s.Peer == nil || s.Peer.Impl != "gin" {
		t.Fatalf("Static summary: %+v", s)
	}
	// Per round: day8/gin 50/80, 150/250, 60/100 → median 0.6; day7/gin 1.25, 0.8, 1.2 → 1.2;
	// day8/day7 0.5, 0.75, 0.5 → 0.5. Medians alone would give 60/100, 120/100 and 60/120.
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"day8 ÷ gin", s.Day8VsPeer, 0.6}, {"day7 ÷ gin", s.Day7VsPeer, 1.2}, {"day8 ÷ day7", s.Day8VsDay7, 0.5}} {
		if c.got < c.want-1e-9 || c.got > c.want+1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	ring := sums[1]
	if ring.Case != "Ring/peers=8" || ring.Day7 != nil || ring.Day8VsPeer != 0.5 || ring.Day7VsPeer != 0 || ring.Day8VsDay7 != 0 {
		t.Errorf("Ring summary: %+v", ring)
	}

	var md bytes.Buffer
	writeBenchMarkdown(&md, "gee-web", res)
	got := md.String()
	for _, want := range []string{
		"| case | peer | day8 ÷ peer | day7 ÷ peer | day8 ÷ day7 | ns/op day8 / day7 / peer | B/op day8 / day7 / peer | allocs/op day8 / day7 / peer |",
		"| Static | gin | 0.60× | 1.20× | 0.50× | 60.0 / 120 / 100 | 0 / 16 / 0 | 0 / 1 / 0 |",
		"| Ring/peers=8 | groupcache | 0.50× | – | – | 40.0 / – / 80.0 | 0 / – / 16 | 0 / – / 1 |",
		"| Static | gee-day7 | 120 | 16 | 1 | 1.11× httprouter, 1.20× gin |",
		"x-axis [\"Static vs gin\", \"Ring/peers=8 vs groupcache\"]",
		"bar [0.60, 0.50]\n    line [1.20, 0.00]\n```",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("markdown lacks %q:\n%s", want, got)
		}
	}
	var text bytes.Buffer
	writeBenchTable(&text, res)
	if !strings.Contains(text.String(), "every implementation:") || !strings.Contains(text.String(), "60.0 / 120 / 100") {
		t.Errorf("terminal table:\n%s", text.String())
	}
}

func TestBenchWithoutDaysKeepsOneRowPerImplementation(t *testing.T) {
	res := parseBench(strings.NewReader(benchOutput)) // gee only (Static) and a cluster-demo balancer (Unary)
	unary := []benchResult{}
	for _, r := range res {
		if r.Case == "Unary" {
			unary = append(unary, r)
		}
	}
	if len(summarize(unary)) != 0 {
		t.Fatal("a case without gee and gee-day7 got a summary row")
	}
	var md bytes.Buffer
	writeBenchMarkdown(&md, "cluster-demo", unary)
	got := md.String()
	if strings.Contains(got, "day8 ÷ day7") || !strings.Contains(got, "| Unary | gee-rr | 200 | 5 | 1 | 2.00× round_robin |") ||
		!strings.Contains(got, "bar [2.00]\n    line [1.0]") {
		t.Errorf("cluster-demo markdown:\n%s", got)
	}
}

func TestTourFinalChapterIsTheLastOfTheMap(t *testing.T) {
	tour, _ := newTestTour(t)
	for _, f := range frameworks {
		if f.Chapters[0].Name == "" {
			continue
		}
		want := f.Name + "/day8-performance"
		if got := tour.FinalChapter(f.Name); got != want {
			t.Errorf("FinalChapter(%s) = %s, want %s", f.Name, got, want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("FinalChapter of an unknown framework did not panic")
		}
	}()
	tour.FinalChapter("gee-nothing")
}
