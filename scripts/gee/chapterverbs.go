package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
)

// runRun runs a chapter's demo with the reader's terminal attached.
func runRun(e *env, args []string) error {
	c, _, _, err := chapterArg("run", args)
	if err != nil {
		return err
	}
	if c.Name == "" {
		return usagef("%s has several demos; run one with go run ./%s/cmd/<demo>", c.Framework, c.Framework)
	}
	cmd := exec.Command("go", append([]string{"run", "./" + c.Path()}, args[1:]...)...)
	cmd.Dir, cmd.Stdin, cmd.Stdout, cmd.Stderr = e.root, os.Stdin, e.stdout, e.stderr
	return cmd.Run()
}

// testTargets turns the optional argument of test into chapters.
func testTargets(args []string) ([]chapter, error) {
	if len(args) > 1 {
		return nil, usagef("test takes at most one framework or chapter")
	}
	if len(args) == 0 {
		return allChapters(), nil
	}
	if f, ok := findFramework(args[0]); ok {
		return f.Chapters, nil
	}
	if c, _, _, ok := findChapter(args[0]); ok {
		return []chapter{c}, nil
	}
	return nil, usagef("unknown framework or chapter %q; valid ones: %s", args[0], strings.Join(validTargets(true), ", "))
}

// runTest runs the tests of the chosen chapters with the race detector, as the README does.
func runTest(e *env, args []string) error {
	chapters, err := testTargets(args)
	if err != nil {
		return err
	}
	goArgs := []string{"test", "-race"}
	for _, c := range chapters {
		goArgs = append(goArgs, c.Path()+"/...")
	}
	cmd := exec.Command("go", goArgs...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = e.root, e.stdout, e.stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("tests failed: %w", err)
	}
	return nil
}

// A checkResult is one row of the check table.
type checkResult struct {
	chapter                                  chapter
	listed, builds, hasTests, passes, hasDoc bool
	problem                                  string // the first thing that failed, in words
}

func (r checkResult) ok() bool { return r.listed && r.builds && r.hasTests && r.passes && r.hasDoc }

// runCheck checks every chapter: listed in go.work, builds, has tests, tests pass, has a doc page.
func runCheck(e *env, args []string) error {
	if len(args) > 0 {
		return usagef("check takes no arguments")
	}
	listed, err := workspaceModules(e.root)
	if err != nil {
		return err
	}
	var results []checkResult
	for _, c := range allChapters() {
		r := checkChapter(e.root, c, listed)
		results = append(results, r)
		status := "ok  "
		if !r.ok() {
			status = "FAIL"
		}
		line := fmt.Sprintf("%s %s", status, c.Path())
		if r.problem != "" {
			line += ": " + r.problem
		}
		fmt.Fprintln(e.stdout, line)
	}

	fmt.Fprintln(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "chapter\tgo.work\tbuilds\ttests\tpass\tdoc")
	mark := func(b bool) string {
		if b {
			return "yes"
		}
		return "NO"
	}
	failed := 0
	for _, r := range results {
		if !r.ok() {
			failed++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.chapter.Path(), mark(r.listed), mark(r.builds),
			mark(r.hasTests), mark(r.passes), mark(r.hasDoc))
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "\n%d chapters, %d failed\n", len(results), failed)
	if failed > 0 {
		return fmt.Errorf("%d of %d chapters failed", failed, len(results))
	}
	return checkExerciseCopies(e) // issue 16: each exercise copy compiles, is vet clean, fails its tests
}

func checkChapter(root string, c chapter, listed map[string]bool) checkResult {
	r := checkResult{chapter: c}
	fail := func(p string) {
		if r.problem == "" {
			r.problem = p
		}
	}
	dir := filepath.Join(root, c.Path())
	r.listed = listed[c.Path()]
	if !r.listed {
		fail("not listed in go.work")
	}
	r.hasDoc = fileExists(filepath.Join(root, c.DocPath()))
	if !fileExists(filepath.Join(dir, "go.mod")) {
		fail("no go.mod")
		return r
	}
	r.hasTests = hasTestFiles(dir)
	if !r.hasTests {
		fail("no tests")
	}
	pkgs := "./" + c.Path() + "/..."
	if out, err := goCmd(root, "build", pkgs); err != nil {
		fail("does not build: " + firstLine(out))
	} else {
		r.builds = true
	}
	if r.builds && r.hasTests {
		if out, err := goCmd(root, "test", "-race", pkgs); err != nil {
			fail("tests fail: " + firstFailure(out))
		} else {
			r.passes = true
		}
	}
	if !r.hasDoc {
		fail("no doc page " + c.DocPath())
	}
	return r
}

func goCmd(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

func hasTestFiles(dir string) bool {
	found := false
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, "_test.go") {
			found = true
			return filepath.SkipAll
		}
		return nil
	})
	return found
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if s == "" {
		return "no output"
	}
	return s
}

// firstFailure picks the most telling line of go test output: the first failing test.
func firstFailure(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "--- FAIL") {
			return strings.TrimSpace(l)
		}
	}
	return firstLine(out)
}
