package main

import (
	"bufio"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// exCheckCmd grades the reader's copy: the chapter's tests with the race detector, reported
// per function to write.
func exCheckCmd(e *env, args []string) error {
	if len(args) != 1 {
		return usagef("check takes one exercise: gee exercise check gee-web/day3-router")
	}
	ex, err := exLoad(e.root, args[0])
	if err != nil {
		return err
	}
	return exCheck(e.stdout, e.root, ex, exCopyDir(e.root, ex.Name))
}

// exCheck grades the copy in dst.
func exCheck(w io.Writer, root string, ex *exercise, dst string) error {
	st, err := exReadState(dst)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("there is no copy of %s yet; make one with `gee exercise start %s`", ex.Name, ex.Name)
	}
	if err != nil {
		return err
	}
	hash, err := exTreeHash(filepath.Join(root, ex.Src))
	if err != nil {
		return err
	}
	if hash != st.Source {
		fmt.Fprintf(w, "note: %s has changed since this copy was made; the copy keeps its own tests (`gee exercise start -force %s` makes a fresh one)\n", ex.Src, ex.Name)
	}
	if st.TestsFor == nil || st.TestsOf != hash {
		fmt.Fprintf(w, "working out which tests run each function (once per chapter version)...\n")
		m, err := exTestMap(root, ex)
		if err != nil {
			return err
		}
		st.TestsFor, st.TestsOf = m, hash
		if err := exWriteState(dst, st); err != nil {
			return err
		}
	}
	results, order, err := exRunCopyTests(dst, ex.Pkgs, exRunOpts{}, "-race")
	if err != nil {
		return err
	}
	return exReport(w, ex.Name, dst, st, results, order)
}

// exRunCopyTests builds the test binary of every package matching patterns in modDir (with
// flags) and runs all of its tests to a result. Results are keyed "dir TestName".
func exRunCopyTests(modDir string, patterns []string, opt exRunOpts, flags ...string) (map[string]exTestResult, []string, error) {
	env := exGoEnv(modDir)
	pkgs, err := exListTestPkgs(modDir, env, patterns)
	if err != nil {
		return nil, nil, err
	}
	tmp, err := os.MkdirTemp("", "gee-exercise-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	results := map[string]exTestResult{}
	var order []string
	for i, pkg := range pkgs {
		bin := filepath.Join(tmp, fmt.Sprintf("p%d.test", i))
		if err := exBuildTestBin(modDir, env, pkg, bin, flags...); err != nil {
			return nil, nil, err
		}
		tests, err := exListTests(bin, pkg.Dir)
		if err != nil {
			return nil, nil, err
		}
		for t, r := range exRunTests(bin, pkg.Dir, tests, opt) {
			results[pkg.Rel+" "+t] = r
		}
		for _, t := range tests {
			order = append(order, pkg.Rel+" "+t)
		}
	}
	return results, order, nil
}

// exReport prints the progress per function and returns an error unless every test passes.
func exReport(w io.Writer, name, dst string, st *exState, results map[string]exTestResult, order []string) error {
	names := exTestNames(order)
	passed := 0
	for _, k := range order {
		if results[k].Pass || results[k].Skip {
			passed++
		}
	}
	blank := exBlankFuncs(dst, st)
	// A test that runs few of the functions says most about each of them: list those first.
	breadth := map[string]int{}
	for _, tests := range st.TestsFor {
		for _, k := range tests {
			breadth[k]++ // start-up markers are never listed, so counting them is harmless
		}
	}
	done := 0
	var lines []string
	covered := map[string]bool{}
	for _, f := range st.Functions {
		var tests, startup []string
		for _, k := range st.TestsFor[f.ID] {
			if dir, ok := strings.CutSuffix(k, " "+exStartup); ok {
				startup = append(startup, "./"+dir)
			} else {
				tests = append(tests, k)
			}
		}
		sort.SliceStable(tests, func(i, j int) bool { return breadth[tests[i]] < breadth[tests[j]] })
		var failing []string
		for _, k := range tests {
			covered[k] = true
			if r, ok := results[k]; ok && !r.Pass && !r.Skip {
				failing = append(failing, exTestLabel(names, k, r))
			}
		}
		status, what := "ok  ", exPlural(len(tests), "test")+exVerb(len(tests), " passes", " pass")
		switch {
		case blank[f.ID] && len(startup) > 0:
			status, what = "TODO", "still panics; it runs at start-up, so every test of "+strings.Join(startup, ", ")+" waits for it"
		case blank[f.ID] && len(tests) == 0:
			status, what = "TODO", "still panics; no test runs it"
		case blank[f.ID]:
			status, what = "TODO", "still panics, blocking "+exPlural(len(tests), "test")
		case len(startup) > 0:
			what = "runs at start-up"
		case len(tests) == 0:
			status, what = "----", "no test runs it"
		case len(failing) > 0:
			status, what = "FAIL", fmt.Sprintf("%d of %s fail", len(failing), exPlural(len(tests), "test"))
		}
		if status == "ok  " {
			done++
		}
		if len(failing) > 0 && status != "TODO" {
			what += ": " + exFirstFew(failing, 3)
		} else if status == "TODO" && len(tests) > 0 {
			what += ": " + exFirstFew(exNamesOf(names, tests), 4)
		}
		lines = append(lines, fmt.Sprintf("  %s  %-30s %s", status, f.ID, what))
	}
	fmt.Fprintf(w, "%s: %d of %d functions done; %d of %d tests pass\n\n", name, done, len(st.Functions), passed, len(order))
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	var others []string
	for _, k := range order {
		if r := results[k]; !covered[k] && !r.Pass && !r.Skip {
			others = append(others, exTestLabel(names, k, r))
		}
	}
	if len(others) > 0 {
		fmt.Fprintf(w, "\nother failing tests: %s\n", exFirstFew(others, 5))
	}
	if passed < len(order) {
		return fmt.Errorf("%d of %d tests fail", len(order)-passed, len(order))
	}
	fmt.Fprintf(w, "\nevery test passes: %s is done\n", name)
	return nil
}

// exBlankFuncs reports which of the copy's functions still hold the panic.
func exBlankFuncs(dst string, st *exState) map[string]bool {
	blank := map[string]bool{}
	byFile := map[string][]exStateFunc{}
	for _, f := range st.Functions {
		byFile[f.File] = append(byFile[f.File], f)
	}
	for file, funcs := range byFile {
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dst, filepath.FromSlash(file)), nil, 0)
		if err != nil {
			continue
		}
		for _, sf := range funcs {
			if decls, err := exFindDecls(f, []exTarget{sf.target()}); err == nil && exIsBlank(decls[sf.target()]) {
				blank[sf.ID] = true
			}
		}
	}
	return blank
}

// exTestNames maps "dir TestName" keys to what is printed: the bare test name, or dir:TestName
// when two packages have a test of that name.
func exTestNames(keys []string) map[string]string {
	count := map[string]int{}
	for _, k := range keys {
		_, t, _ := strings.Cut(k, " ")
		count[t]++
	}
	names := map[string]string{}
	for _, k := range keys {
		dir, t, _ := strings.Cut(k, " ")
		names[k] = t
		if count[t] > 1 {
			names[k] = dir + ":" + t
		}
	}
	return names
}

func exTestLabel(names map[string]string, key string, r exTestResult) string {
	n := names[key]
	if n == "" {
		_, n, _ = strings.Cut(key, " ")
	}
	if r.Detail != "" {
		n += " (" + exShorten(r.Detail, 90) + ")"
	}
	return n
}

func exNamesOf(names map[string]string, keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = exTestLabel(names, k, exTestResult{})
	}
	return out
}

func exPlural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func exVerb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func exFirstFew(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

func exShorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// exStartup marks, in the test map, a function that runs when the package starts (an init,
// a package variable's initialiser): every test of the package waits for it.
const exStartup = "*"

// exTestMap works out which tests run each function, on the reference module. Each test
// package is compiled once with coverage of the exercise's packages, each test then runs alone
// with its own coverage profile, and a test runs a function when it executed a block of the
// function's body more often than a run of no test at all does (that baseline is what package
// initialisation executes). This is dynamic on purpose: it sees calls through interfaces,
// function values, goroutines and HTTP handlers and calls from other packages' tests, which a
// static call graph from the test functions could only guess at. A function that only the
// baseline runs is mapped to "<dir> *": it runs at start-up.
func exTestMap(root string, ex *exercise) (map[string][]string, error) {
	modDir := filepath.Join(root, ex.Src)
	env := os.Environ() // the reference builds in the repo's workspace
	pkgs, err := exListTestPkgs(modDir, env, ex.Pkgs)
	if err != nil {
		return nil, err
	}
	coverSet := map[string]bool{}
	for _, f := range ex.Funcs {
		coverSet[ex.ModPath+"/"+f.Dir] = true
	}
	var cover []string
	for p := range coverSet {
		cover = append(cover, p)
	}
	sort.Strings(cover)
	tmp, err := os.MkdirTemp("", "gee-exercise-map-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	m := map[string][]string{}
	for _, f := range ex.Funcs {
		m[f.ID] = []string{}
	}
	prof := filepath.Join(tmp, "cover.out")
	profile := func(bin, dir, test string) map[string]int {
		os.Remove(prof)
		_ = exCoverCmd(bin, dir, test, prof, 2*time.Minute).Run() // a failing test still ran what it ran
		return exReadProfile(prof)
	}
	for i, pkg := range pkgs {
		bin := filepath.Join(tmp, fmt.Sprintf("p%d.test", i))
		if err := exBuildTestBin(modDir, env, pkg, bin, "-cover", "-covermode=atomic", "-coverpkg="+strings.Join(cover, ",")); err != nil {
			return nil, err
		}
		tests, err := exListTests(bin, pkg.Dir)
		if err != nil {
			return nil, err
		}
		baseline := profile(bin, pkg.Dir, "")
		for _, id := range exCoveredFuncs(baseline, nil, ex) {
			m[id] = append(m[id], pkg.Rel+" "+exStartup)
		}
		for _, t := range tests {
			for _, id := range exCoveredFuncs(profile(bin, pkg.Dir, t), baseline, ex) {
				m[id] = append(m[id], pkg.Rel+" "+t)
			}
		}
	}
	for id, tests := range m { // a function some test runs is not a start-up one
		var real []string
		for _, t := range tests {
			if !strings.HasSuffix(t, " "+exStartup) {
				real = append(real, t)
			}
		}
		if len(real) > 0 {
			m[id] = real
		}
	}
	return m, nil
}

// exReadProfile reads a coverage profile: the count of each block, keyed "file:line.col".
func exReadProfile(profile string) map[string]int {
	counts := map[string]int{}
	f, err := os.Open(profile)
	if err != nil {
		return counts
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// gee-web/day3-router/gee/trie.go:34.67,42.2 7 1
		file, rest, ok := strings.Cut(sc.Text(), ":")
		fields := strings.Fields(rest)
		if !ok || len(fields) != 3 {
			continue
		}
		n, err := strconv.Atoi(fields[2])
		if err != nil {
			continue
		}
		counts[file+":"+strings.SplitN(fields[0], ",", 2)[0]] += n
	}
	return counts
}

// exCoveredFuncs returns the functions with a block run more often than in baseline.
func exCoveredFuncs(counts, baseline map[string]int, ex *exercise) []string {
	hit := map[string]bool{}
	for block, n := range counts {
		if n <= baseline[block] {
			continue
		}
		file, pos, _ := strings.Cut(block, ":")
		line, col, ok := exLineCol(pos)
		if !ok {
			continue
		}
		for _, fn := range ex.Funcs {
			if ex.ModPath+"/"+fn.File == file && exWithin(line, col, fn.bodyFrom, fn.bodyTo) {
				hit[fn.ID] = true
			}
		}
	}
	var ids []string
	for _, fn := range ex.Funcs {
		if hit[fn.ID] {
			ids = append(ids, fn.ID)
		}
	}
	return ids
}

func exLineCol(s string) (int, int, bool) {
	l, c, ok := strings.Cut(s, ".")
	if !ok {
		return 0, 0, false
	}
	line, err1 := strconv.Atoi(l)
	col, err2 := strconv.Atoi(c)
	return line, col, err1 == nil && err2 == nil
}

func exWithin(line, col int, from, to token.Position) bool {
	after := line > from.Line || line == from.Line && col >= from.Column
	before := line < to.Line || line == to.Line && col <= to.Column
	return after && before
}
