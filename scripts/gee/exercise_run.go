package main

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// exTestPkg is one package of a module that has tests.
type exTestPkg struct {
	ImportPath string
	Dir        string // absolute folder
	Rel        string // folder relative to the module root, "." for the root
}

// exListTestPkgs lists the packages matching patterns that have test files.
func exListTestPkgs(modDir string, env []string, patterns []string) ([]exTestPkg, error) {
	args := append([]string{"list", "-f", "{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}\t{{.Dir}}{{end}}"}, patterns...)
	out, err := exGo(modDir, env, args...)
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, out)
	}
	var pkgs []exTestPkg
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		imp, dir, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		rel, err := filepath.Rel(modDir, dir)
		if err != nil {
			return nil, err
		}
		pkgs = append(pkgs, exTestPkg{ImportPath: imp, Dir: dir, Rel: filepath.ToSlash(rel)})
	}
	return pkgs, nil
}

// exGo runs the go command in dir and returns its combined output.
func exGo(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// exBuildTestBin compiles a package's tests into bin (one compile, then as many runs as needed).
func exBuildTestBin(modDir string, env []string, pkg exTestPkg, bin string, flags ...string) error {
	args := append([]string{"test", "-c", "-o", bin}, flags...)
	out, err := exGo(modDir, env, append(args, pkg.ImportPath)...)
	if err != nil {
		return fmt.Errorf("%s does not compile:\n%s", pkg.ImportPath, strings.TrimSpace(out))
	}
	return nil
}

// exListTests lists the tests, examples and fuzz targets of a compiled test binary. A binary
// whose package initialisation panics (a blanked init) cannot list them: then they are read
// from the test files.
func exListTests(bin, dir string) ([]string, error) {
	cmd := exec.Command(bin, "-test.list", ".")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return exStaticTests(dir)
	}
	var tests []string
	for _, l := range strings.Fields(string(out)) {
		if strings.HasPrefix(l, "Test") || strings.HasPrefix(l, "Example") || strings.HasPrefix(l, "Fuzz") {
			tests = append(tests, l)
		}
	}
	return tests, nil
}

// exStaticTests finds the tests of the package in dir by reading its test files: functions
// Test*, Fuzz*, and Example* with an output comment (the only examples go test runs).
func exStaticTests(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var tests []string
	for _, file := range files {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || fd.Name.Name == "TestMain" {
				continue
			}
			name := fd.Name.Name
			switch {
			case strings.HasPrefix(name, "Test"), strings.HasPrefix(name, "Fuzz"):
				tests = append(tests, name)
			case strings.HasPrefix(name, "Example") && exHasOutputComment(f, fd):
				tests = append(tests, name)
			}
		}
	}
	return tests, nil
}

func exHasOutputComment(f *ast.File, fd *ast.FuncDecl) bool {
	for _, cg := range f.Comments {
		if cg.Pos() > fd.Body.Lbrace && cg.End() < fd.Body.Rbrace {
			t := strings.ToLower(strings.TrimSpace(cg.Text()))
			if strings.HasPrefix(t, "output:") || strings.HasPrefix(t, "unordered output:") {
				return true
			}
		}
	}
	return false
}

// exTestResult is how one top-level test ended.
type exTestResult struct {
	Pass   bool
	Skip   bool
	Detail string // for a failure, the most telling line: which blanked function it hit, the panic, the first message
}

type exRunOpts struct {
	Timeout  time.Duration // per run of the binary
	FailFast bool          // stop at the first failure
}

var exMarker = regexp.MustCompile(`^(=== RUN|--- PASS:|--- FAIL:|--- SKIP:)\s+([^\s/]+)(\s|$)`)

// exRunTests runs tests of a compiled test binary until each has a result. A panic in a test
// kills the whole binary, and blanked functions panic, so one run is not enough: the test that
// was running when the binary died gets the failure, and the tests that had not run yet go into
// the next run. When several tests were running (parallel tests), each of them is run alone to
// find the one that crashed.
func exRunTests(bin, dir string, tests []string, opt exRunOpts) map[string]exTestResult {
	if opt.Timeout == 0 {
		opt.Timeout = 2 * time.Minute
	}
	results := map[string]exTestResult{}
	pending := append([]string(nil), tests...)
	var solo []string
	failed := func() bool {
		for _, r := range results {
			if !r.Pass && !r.Skip {
				return true
			}
		}
		return false
	}
	for len(pending) > 0 || len(solo) > 0 {
		var batch []string
		if len(solo) > 0 {
			batch, solo = solo[:1], solo[1:]
		} else {
			batch, pending = pending, nil
		}
		out, runErr := exRunBin(bin, dir, batch, opt)
		got, running := exParseRun(out)
		inBatch := map[string]bool{}
		for _, t := range batch {
			inBatch[t] = true
		}
		fresh := 0
		for t, r := range got {
			if inBatch[t] {
				results[t] = r
				fresh++
			}
		}
		var left []string
		for _, t := range batch {
			if _, ok := results[t]; !ok {
				left = append(left, t)
			}
		}
		if opt.FailFast && failed() {
			return results
		}
		if len(left) == 0 {
			continue
		}
		if runErr == nil { // exited cleanly without running them: nothing matched
			for _, t := range left {
				results[t] = exTestResult{Skip: true, Detail: "did not run"}
			}
			continue
		}
		detail := exCrashDetail(out, runErr)
		var live []string
		for _, t := range running {
			if inBatch[t] {
				if _, done := results[t]; !done {
					live = append(live, t)
				}
			}
		}
		switch {
		case len(live) == 1:
			results[live[0]] = exTestResult{Detail: detail}
		case len(live) > 1:
			solo = append(solo, live...)
		case fresh == 0: // died before any test: package init or TestMain
			for _, t := range left {
				results[t] = exTestResult{Detail: detail}
			}
			left = nil
		}
		for _, t := range left {
			if _, done := results[t]; !done && !exContains(live, t) {
				pending = append(pending, t)
			}
		}
		if opt.FailFast && failed() {
			return results
		}
	}
	return results
}

func exContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// exRunBin runs the binary once on the given tests, verbosely, and returns its output.
func exRunBin(bin, dir string, tests []string, opt exRunOpts) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), opt.Timeout+30*time.Second)
	defer cancel()
	quoted := make([]string, len(tests))
	for i, t := range tests {
		quoted[i] = regexp.QuoteMeta(t)
	}
	args := []string{"-test.v", "-test.run", "^(" + strings.Join(quoted, "|") + ")$",
		"-test.timeout", opt.Timeout.String(), "-test.count", "1"}
	if opt.FailFast {
		args = append(args, "-test.failfast")
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	return out.String(), err
}

// exParseRun reads the results of top-level tests from -test.v output, and the tests that
// had started without a result (running when the binary died).
func exParseRun(out string) (map[string]exTestResult, []string) {
	results := map[string]exTestResult{}
	started := map[string]bool{}
	var order []string
	segments := map[string][]string{} // output lines since each test's RUN
	current := ""
	for _, line := range strings.Split(out, "\n") {
		m := exMarker.FindStringSubmatch(line)
		if m == nil {
			if current != "" {
				segments[current] = append(segments[current], line)
			}
			continue
		}
		name := m[2]
		switch m[1] {
		case "=== RUN":
			if !started[name] {
				started[name] = true
				order = append(order, name)
			}
			current = name
		case "--- PASS:":
			results[name] = exTestResult{Pass: true}
		case "--- SKIP:":
			results[name] = exTestResult{Skip: true}
		case "--- FAIL:":
			results[name] = exTestResult{}
			current = name // a panic's message follows the FAIL line
		}
	}
	for name, r := range results {
		if !r.Pass && !r.Skip {
			r.Detail = exFailureDetail(segments[name])
			results[name] = r
		}
	}
	var running []string
	for _, name := range order {
		if _, done := results[name]; !done {
			running = append(running, name)
		}
	}
	sort.Strings(running)
	return results, running
}

var exImplementRe = regexp.MustCompile(regexp.QuoteMeta(exPanicPrefix) + `[^\s"\]]+`)

// exFailureDetail picks the most telling line of a failing test's output: the blanked
// function it ran into, else a panic, else its first message.
func exFailureDetail(lines []string) string {
	text := strings.Join(lines, "\n")
	if m := exImplementRe.FindString(text); m != "" {
		return "panic: " + m
	}
	if strings.Contains(text, "WARNING: DATA RACE") {
		return "a data race (go test -race in the copy prints both stacks)"
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "panic: ") {
			return strings.TrimSuffix(strings.TrimSuffix(l, " [recovered]"), " [recovered, repanicked]")
		}
	}
	for _, l := range lines {
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(t, "=== ") && !strings.HasPrefix(t, "--- ") {
			return t
		}
	}
	return ""
}

// exCrashDetail says why the binary died.
func exCrashDetail(out string, err error) string {
	if m := exImplementRe.FindString(out); m != "" {
		return "panic: " + m
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "panic: ") {
			return strings.TrimSpace(l)
		}
	}
	return fmt.Sprintf("the test binary died (%v)", err)
}

// exCoverCmd runs one test alone (none for test ""), writing its coverage profile.
func exCoverCmd(bin, dir, test, profile string, timeout time.Duration) *exec.Cmd {
	run := "^$"
	if test != "" {
		run = "^" + regexp.QuoteMeta(test) + "$"
	}
	cmd := exec.Command(bin, "-test.run", run, "-test.count", "1",
		"-test.coverprofile", profile, "-test.timeout", timeout.String())
	cmd.Dir = dir
	cmd.WaitDelay = 5 * time.Second
	return cmd
}
