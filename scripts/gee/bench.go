package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Benchmarks name their sub-benchmarks after the implementation: Benchmark<Case>/<impl>. Ours
// start with "gee": "gee" is day8-performance, "gee-day7" is day7, and cluster-demo has one per
// balancer ("gee-rr"); every other name is a peer.
func isOurs(impl string) bool { return strings.HasPrefix(impl, "gee") }

// mainPeers is, in order of preference, the peer each case's chart compares us with.
var mainPeers = []string{"gin", "groupcache", "golang-lru", "sql", "netrpc", "jsonrpc", "round_robin", "fanout"}

// benchPackages is where each framework keeps its benchmarks.
func benchPackages(framework string) string {
	if framework == "cluster-demo" {
		return "./cluster-demo/bench/..."
	}
	return "./" + framework + "/bench/..."
}

// A sample is one line of `go test -bench` output.
type sample struct {
	nsPerOp, bytesPerOp, allocsPerOp float64
}

// benchResult is the median of every sample of one case and implementation.
type benchResult struct {
	Case, Impl                       string
	NsPerOp, BytesPerOp, AllocsPerOp float64
	Runs                             int
	RoundNs                          []float64 // ns/op of each round, in order
}

var benchLine = regexp.MustCompile(`^Benchmark(\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// parseBench reads `go test -bench -benchmem` output and returns the medians per case and impl,
// sorted by case (in order of first appearance) and then with ours first.
func parseBench(r io.Reader) []benchResult {
	samples := map[[2]string][]sample{}
	var order [][2]string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		name := m[1]
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			continue // not Case/impl: not one of ours
		}
		key := [2]string{name[:i], name[i+1:]}
		var s sample
		fields := strings.Fields(m[2])
		for j := 0; j+1 < len(fields); j += 2 {
			v, err := strconv.ParseFloat(fields[j], 64)
			if err != nil {
				continue
			}
			switch fields[j+1] {
			case "ns/op":
				s.nsPerOp = v
			case "B/op":
				s.bytesPerOp = v
			case "allocs/op":
				s.allocsPerOp = v
			}
		}
		if _, seen := samples[key]; !seen {
			order = append(order, key)
		}
		samples[key] = append(samples[key], s)
	}
	caseRank := map[string]int{}
	for _, k := range order {
		if _, ok := caseRank[k[0]]; !ok {
			caseRank[k[0]] = len(caseRank)
		}
	}
	var results []benchResult
	for _, k := range order {
		ss := samples[k]
		pick := func(f func(sample) float64) float64 {
			vs := make([]float64, len(ss))
			for i, s := range ss {
				vs[i] = f(s)
			}
			return median(vs)
		}
		rounds := make([]float64, len(ss))
		for i, s := range ss {
			rounds[i] = s.nsPerOp
		}
		results = append(results, benchResult{
			Case: k[0], Impl: k[1], Runs: len(ss), RoundNs: rounds,
			NsPerOp:     pick(func(s sample) float64 { return s.nsPerOp }),
			BytesPerOp:  pick(func(s sample) float64 { return s.bytesPerOp }),
			AllocsPerOp: pick(func(s sample) float64 { return s.allocsPerOp }),
		})
	}
	sort.SliceStable(results, func(i, j int) bool {
		a, b := results[i], results[j]
		if a.Case != b.Case {
			return caseRank[a.Case] < caseRank[b.Case]
		}
		return isOurs(a.Impl) && !isOurs(b.Impl)
	})
	return results
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	sorted := append([]float64(nil), vs...)
	sort.Float64s(sorted)
	n := len(sorted)
	if n%2 == 1 {
		return sorted[n/2]
	}
	return (sorted[n/2-1] + sorted[n/2]) / 2
}

// ratios gives, for one of our results, its ns/op divided by each peer's in the same case:
// below 1 means we are faster.
func ratios(results []benchResult, ours benchResult) []string {
	var out []string
	for _, r := range results {
		if r.Case == ours.Case && !isOurs(r.Impl) && r.NsPerOp > 0 {
			out = append(out, fmt.Sprintf("%.2f× %s", pairedRatio(ours, r), r.Impl))
		}
	}
	return out
}

// pairedRatio divides our ns/op by the peer's. When both ran the same rounds, it takes the
// median of the per-round ratios: within a round the two ran back to back, so a machine that
// slows down for a while slows both, and the ratio stays honest. Otherwise it divides medians.
func pairedRatio(ours, peer benchResult) float64 {
	if len(ours.RoundNs) == 0 || len(ours.RoundNs) != len(peer.RoundNs) {
		return ours.NsPerOp / peer.NsPerOp
	}
	rs := make([]float64, 0, len(ours.RoundNs))
	for i := range ours.RoundNs {
		if peer.RoundNs[i] > 0 {
			rs = append(rs, ours.RoundNs[i]/peer.RoundNs[i])
		}
	}
	return median(rs)
}

// The two chapters a framework's benchmarks compare with the peers: day8-performance runs as
// "gee", day7 (the plain chapter before the speed work) as "gee-day7".
const (
	implDay8 = "gee"
	implDay7 = "gee-day7"
)

// mainPeer is the peer a case is measured against: the first of mainPeers that ran in it.
func mainPeer(results []benchResult, c string) (benchResult, bool) {
	peers := map[string]benchResult{}
	for _, r := range results {
		if r.Case == c && !isOurs(r.Impl) && r.NsPerOp > 0 {
			peers[r.Impl] = r
		}
	}
	for _, p := range mainPeers {
		if r, found := peers[p]; found {
			return r, true
		}
	}
	return benchResult{}, false
}

// mainRatio is ours ÷ the case's main peer, for the chart: day8 ("gee") when the case has it,
// else the first of ours (a cluster-demo balancer). ok is false when the case has no peer.
func mainRatio(results []benchResult, c string) (ratio float64, peer string, ok bool) {
	var ours *benchResult
	for i, r := range results {
		if r.Case == c && (r.Impl == implDay8 || ours == nil && isOurs(r.Impl)) {
			ours = &results[i]
		}
	}
	p, found := mainPeer(results, c)
	if ours == nil || !found {
		return 0, "", false
	}
	return pairedRatio(*ours, p), p.Impl, true
}

// A caseSummary is one case with day8 and day7 side by side against the main peer.
type caseSummary struct {
	Case             string
	Day8, Day7, Peer *benchResult // nil when that side did not run
	// Paired ratios of ns/op (0 when a side is missing): below 1 the first is faster.
	Day8VsPeer, Day7VsPeer, Day8VsDay7 float64
}

// summarize makes a caseSummary for every case that ran day8 or day7, in the order of results.
func summarize(results []benchResult) []caseSummary {
	var out []caseSummary
	index := map[string]int{}
	for i := range results {
		r := &results[i]
		if r.Impl != implDay8 && r.Impl != implDay7 {
			continue
		}
		k, seen := index[r.Case]
		if !seen {
			k = len(out)
			index[r.Case] = k
			out = append(out, caseSummary{Case: r.Case})
			if p, ok := mainPeer(results, r.Case); ok {
				out[k].Peer = &p
			}
		}
		if r.Impl == implDay8 {
			out[k].Day8 = r
		} else {
			out[k].Day7 = r
		}
	}
	ratio := func(a, b *benchResult) float64 {
		if a == nil || b == nil || b.NsPerOp == 0 {
			return 0
		}
		return pairedRatio(*a, *b)
	}
	for k := range out {
		s := &out[k]
		s.Day8VsPeer, s.Day7VsPeer, s.Day8VsDay7 = ratio(s.Day8, s.Peer), ratio(s.Day7, s.Peer), ratio(s.Day8, s.Day7)
	}
	return out
}

// cells formats the summary row of a case: the peer's name, the three ratios, and ns/op, B/op
// and allocs/op each as "day8 / day7 / peer".
func (s caseSummary) cells() []string {
	peer := "–"
	if s.Peer != nil {
		peer = s.Peer.Impl
	}
	three := func(f func(r *benchResult) string) string {
		var parts []string
		for _, r := range []*benchResult{s.Day8, s.Day7, s.Peer} {
			if r == nil {
				parts = append(parts, "–")
			} else {
				parts = append(parts, f(r))
			}
		}
		return strings.Join(parts, " / ")
	}
	return []string{
		s.Case, peer, fmtRatio(s.Day8VsPeer), fmtRatio(s.Day7VsPeer), fmtRatio(s.Day8VsDay7),
		three(func(r *benchResult) string { return fmtNs(r.NsPerOp) }),
		three(func(r *benchResult) string { return strconv.FormatFloat(r.BytesPerOp, 'f', 0, 64) }),
		three(func(r *benchResult) string { return strconv.FormatFloat(r.AllocsPerOp, 'f', 0, 64) }),
	}
}

var summaryHeader = []string{"case", "peer", "day8 ÷ peer", "day7 ÷ peer", "day8 ÷ day7",
	"ns/op day8 / day7 / peer", "B/op day8 / day7 / peer", "allocs/op day8 / day7 / peer"}

func fmtRatio(r float64) string {
	if r == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", r)
}

func writeBenchTable(w io.Writer, results []benchResult) {
	if sums := summarize(results); len(sums) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(summaryHeader, "\t")+"\t")
		for _, s := range sums {
			fmt.Fprintln(tw, strings.Join(s.cells(), "\t")+"\t")
		}
		tw.Flush()
		fmt.Fprintln(w, "\nevery implementation:")
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\timpl\tns/op\tB/op\tallocs/op\t ours ÷ peer (ns/op)\t")
	for _, r := range results {
		rat := ""
		if isOurs(r.Impl) {
			rat = strings.Join(ratios(results, r), ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.0f\t %s\t\n", r.Case, r.Impl, fmtNs(r.NsPerOp), r.BytesPerOp, r.AllocsPerOp, rat)
	}
	tw.Flush()
}

func writeBenchMarkdown(w io.Writer, framework string, results []benchResult) {
	fmt.Fprintf(w, "### %s\n\n", framework)
	sums := summarize(results)
	if len(sums) > 0 {
		fmt.Fprintln(w, "| "+strings.Join(summaryHeader, " | ")+" |")
		fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|")
		for _, s := range sums {
			fmt.Fprintln(w, "| "+strings.Join(s.cells(), " | ")+" |")
		}
		fmt.Fprintf(w, "\nEvery implementation of every case (ours are `%s` = day8 and `%s` = day7):\n\n", implDay8, implDay7)
	}
	fmt.Fprintln(w, "| case | impl | ns/op | B/op | allocs/op | ours ÷ peer (ns/op) |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---|")
	for _, r := range results {
		rat := ""
		if isOurs(r.Impl) {
			rat = strings.Join(ratios(results, r), ", ")
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.0f | %.0f | %s |\n", r.Case, r.Impl, fmtNs(r.NsPerOp), r.BytesPerOp, r.AllocsPerOp, rat)
	}
	writeBenchChart(w, framework, results, sums)
	fmt.Fprintln(w)
}

// writeBenchChart draws each case's ratio to its main peer: bars for day8 (or for our only
// implementation), and a line for day7 when the framework has one.
func writeBenchChart(w io.Writer, framework string, results []benchResult, sums []caseSummary) {
	var cases, bars, day7 []string
	top := 1.0
	if len(sums) > 0 {
		for _, s := range sums {
			if s.Peer == nil {
				continue
			}
			cases = append(cases, strconv.Quote(s.Case+" vs "+s.Peer.Impl))
			bars = append(bars, fmt.Sprintf("%.2f", s.Day8VsPeer))
			day7 = append(day7, fmt.Sprintf("%.2f", s.Day7VsPeer))
			top = max(top, s.Day8VsPeer, s.Day7VsPeer)
		}
	} else {
		seen := map[string]bool{}
		for _, r := range results {
			if seen[r.Case] {
				continue
			}
			seen[r.Case] = true
			if rat, p, ok := mainRatio(results, r.Case); ok {
				cases = append(cases, strconv.Quote(r.Case+" vs "+p))
				bars = append(bars, fmt.Sprintf("%.2f", rat))
				top = max(top, rat)
			}
		}
	}
	if len(cases) == 0 {
		return
	}
	title := framework + ": our ns/op divided by the peer's (1.0 = as fast, lower is better)"
	if len(sums) > 0 {
		title = framework + ": ns/op divided by the peer's, bars day8, line day7 (lower is better)"
	}
	fmt.Fprintf(w, "\n```mermaid\nxychart-beta\n    title %s\n    x-axis [%s]\n    y-axis \"ratio\" 0 --> %.1f\n    bar [%s]\n",
		strconv.Quote(title), strings.Join(cases, ", "), top*1.2, strings.Join(bars, ", "))
	if len(sums) > 0 {
		fmt.Fprintf(w, "    line [%s]\n", strings.Join(day7, ", "))
	} else {
		fmt.Fprintf(w, "    line [%s]\n", strings.TrimSuffix(strings.Repeat("1.0, ", len(cases)), ", "))
	}
	fmt.Fprintln(w, "```")
}

func fmtNs(ns float64) string {
	switch {
	case ns >= 100:
		return strconv.FormatFloat(ns, 'f', 0, 64)
	default:
		return strconv.FormatFloat(ns, 'f', 1, 64)
	}
}

// runBench runs the benchmarks of one framework or all of them and prints a table for each.
func runBench(e *env, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	count := fs.Int("count", 6, "rounds; each runs every benchmark once, and the table shows medians")
	benchtime := fs.String("benchtime", "300ms", "time per run")
	mdPath := fs.String("md", "", "also write the tables as Markdown to this file (e.g. docs/benchmarks.md)")
	if err := fs.Parse(args); err != nil {
		return usagef("%v; usage: gee bench [-count n] [-benchtime d] [-md file] [framework]", err)
	}
	var names []string
	for _, f := range frameworks {
		names = append(names, f.Name)
	}
	chosen := names
	if fs.NArg() > 1 {
		return usagef("bench takes at most one framework")
	}
	if fs.NArg() == 1 {
		if _, ok := findFramework(fs.Arg(0)); !ok {
			return usagef("unknown framework %q; valid ones: %s", fs.Arg(0), strings.Join(names, ", "))
		}
		chosen = []string{strings.TrimSuffix(fs.Arg(0), "/")}
	}

	var md bytes.Buffer
	cmdLine := strings.TrimSpace("go run ./scripts/gee bench " + strings.Join(args, " "))
	fmt.Fprintf(&md, "Every number below comes from one run of\n\n    %s\n\n", cmdLine)
	fmt.Fprintf(&md, "on %s, %s. The tool ran %d rounds; each round runs every benchmark once for %s\n(`-benchmem`), ours and its peers back to back. The tables show medians over the rounds, and a\nratio is the median of the per-round ratios of ns/op (below 1.0 the first is faster).\n`%s` is day8-performance and `%s` is day7: the first table of each framework puts them side by\nside against the case's main peer, and day8 ÷ day7 is what the performance chapter bought.\n\n", machine(), time.Now().UTC().Format("2006-01-02"), *count, *benchtime, implDay8, implDay7)

	failed := 0
	for _, name := range chosen {
		pkgs := benchPackages(name)
		dir := filepath.Join(e.root, strings.TrimSuffix(strings.TrimPrefix(pkgs, "./"), "/..."))
		if _, err := os.Stat(dir); err != nil {
			fmt.Fprintf(e.stdout, "\n== %s: no benchmarks (%s does not exist)\n", name, dir)
			continue
		}
		fmt.Fprintf(e.stdout, "\n== %s  (%d rounds of go test -run ^$ -bench . -benchmem -count 1 -benchtime %s %s)\n", name, *count, *benchtime, pkgs)
		// Rounds: each runs every benchmark once, ours and the peers back to back, so that a
		// slow spell of this shared machine hits both sides of a ratio alike.
		var out bytes.Buffer
		var runErr error
		for round := 0; round < *count && runErr == nil; round++ {
			cmd := exec.Command("go", "test", "-run", "^$", "-bench", ".", "-benchmem",
				"-count", "1", "-benchtime", *benchtime, pkgs)
			cmd.Dir = e.root
			cmd.Stdout = &out
			cmd.Stderr = e.stderr
			runErr = cmd.Run()
		}
		if runErr != nil {
			fmt.Fprintf(e.stdout, "benchmarks of %s failed: %v\n%s", name, runErr, out.String())
			failed++
			continue
		}
		results := parseBench(&out)
		if len(results) == 0 {
			fmt.Fprintf(e.stdout, "no Benchmark<Case>/<impl> results in %s\n", pkgs)
			failed++
			continue
		}
		writeBenchTable(e.stdout, results)
		writeBenchMarkdown(&md, name, results)
	}
	if *mdPath != "" {
		path := *mdPath
		if !filepath.IsAbs(path) {
			path = filepath.Join(e.root, path)
		}
		if err := writeBenchDoc(path, md.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\nwrote %s\n", *mdPath)
	}
	if failed > 0 {
		return fmt.Errorf("%d framework(s) had no usable benchmark results", failed)
	}
	return nil
}

// machine describes where the numbers came from.
func machine() string {
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "model name") {
				if i := strings.IndexByte(l, ':'); i >= 0 {
					cpu = strings.TrimSpace(l[i+1:])
				}
				break
			}
		}
	}
	return fmt.Sprintf("%s, %d cores, %s %s/%s", cpu, runtime.NumCPU(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// The generated tables go between these markers, so the prose around them survives a new run.
const (
	benchBegin = "<!-- gee bench: generated from here -->"
	benchEnd   = "<!-- gee bench: generated up to here -->"
)

// writeBenchDoc puts the generated tables into the doc at path: between the markers when the
// file has them, otherwise as a new file with a heading.
func writeBenchDoc(path string, generated []byte) error {
	doc := "# Benchmarks\n\n" + benchBegin + "\n" + benchEnd + "\n"
	if old, err := os.ReadFile(path); err == nil {
		doc = string(old)
	} else if !os.IsNotExist(err) {
		return err
	}
	begin, end := strings.Index(doc, benchBegin), strings.Index(doc, benchEnd)
	if begin < 0 || end < begin {
		return fmt.Errorf("%s has no %q … %q markers to write between", path, benchBegin, benchEnd)
	}
	doc = doc[:begin+len(benchBegin)] + "\n" + string(generated) + doc[end:]
	return os.WriteFile(path, []byte(doc), 0o644)
}
