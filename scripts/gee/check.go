package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
)

// A checkResult is one row of the check table.
type checkResult struct {
	chapter                          chapter
	listed, builds, hasTests, passes bool
	testsRun                         bool
	hasDoc                           bool      // the page exists and has the common sections
	size                             *stepSize // nil for a first chapter
	problems                         []string
}

func (r checkResult) ok() bool { return len(r.problems) == 0 }

func (r *checkResult) fail(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

const checkUsage = "check [-skip-tests] [<framework> | <framework>/<chapter>]"

// runCheck checks every chapter (or the ones named): listed in go.work, builds, has tests that
// pass, has a doc page of the common shape, and, for days 2-7, a step within the size limits.
// Then it follows the docs' relative links, and renders every Mermaid block of the docs when
// mermaid-cli is installed.
func runCheck(e *env, args []string) error {
	// -skip-tests leaves the chapters' tests out: CI runs go test -race work on its own.
	skipTests := false
	var targets []string
	for _, a := range args {
		switch {
		case a == "-skip-tests" || a == "--skip-tests":
			skipTests = true
		case strings.HasPrefix(a, "-"):
			return usagef("unknown flag %s; usage: gee %s", a, checkUsage)
		default:
			targets = append(targets, a)
		}
	}
	chapters, err := chapterTargets("check", targets)
	if err != nil {
		return err
	}
	listed, err := workspaceModules(e.root)
	if err != nil {
		return err
	}
	var results []checkResult
	for _, c := range chapters {
		r := checkChapter(e.root, c, listed, !skipTests)
		results = append(results, r)
		status := "ok  "
		if !r.ok() {
			status = "FAIL"
		}
		line := fmt.Sprintf("%s %s", status, c.Path())
		if !r.ok() {
			line += ": " + strings.Join(r.problems, "; ")
		}
		fmt.Fprintln(e.stdout, line)
	}

	fmt.Fprintln(e.stdout)
	writeCheckTable(e.stdout, results)
	fmt.Fprintf(e.stdout, "\nframework, demo: lines changed against the previous chapter (+ and -, Go files, the chapter's\n"+
		"path normalised); days 2-7 may change at most %d and %d, day8 has no limit.\n", maxFrameworkLines, maxDemoLines)

	failed := 0
	for _, r := range results {
		if !r.ok() {
			failed++
		}
	}
	fmt.Fprintln(e.stdout)
	linksOK, err := checkLinks(e)
	if err != nil {
		return err
	}
	mermaidOK, err := checkMermaid(e)
	if err != nil {
		return err
	}

	// issue 16: each exercise copy compiles, is vet clean, fails its tests. It runs even when a
	// chapter failed above, so that one run reports everything.
	exErr := checkExerciseCopiesOf(e, chapters)

	fmt.Fprintf(e.stdout, "\n%d chapters, %d failed\n", len(results), failed)
	var failures []string
	if failed > 0 {
		failures = append(failures, fmt.Sprintf("%d of %d chapters failed", failed, len(results)))
	}
	if !linksOK {
		failures = append(failures, "a link in the docs leads nowhere")
	}
	if !mermaidOK {
		failures = append(failures, "a Mermaid block does not render")
	}
	if exErr != nil {
		failures = append(failures, exErr.Error())
	}
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "; "))
	}
	return nil
}

func writeCheckTable(w io.Writer, results []checkResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "chapter\tgo.work\tbuilds\ttests\tpass\tdoc\tframework\tdemo")
	mark := func(b bool) string {
		if b {
			return "yes"
		}
		return "NO"
	}
	for _, r := range results {
		pass := mark(r.passes)
		if !r.testsRun {
			pass = "skipped"
		}
		fwCol, demoCol := "-", "-"
		if r.size != nil {
			fwCol = sizeCell(r.size.Framework, maxFrameworkLines, sizeLimited(r.chapter))
			demoCol = sizeCell(r.size.Demo, maxDemoLines, sizeLimited(r.chapter))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.chapter.Path(), mark(r.listed), mark(r.builds),
			mark(r.hasTests), pass, mark(r.hasDoc), fwCol, demoCol)
	}
	tw.Flush()
}

func sizeCell(n, limit int, limited bool) string {
	if !limited {
		return strconv.Itoa(n)
	}
	cell := fmt.Sprintf("%d/%d", n, limit)
	if n > limit {
		cell += " OVER"
	}
	return cell
}

// checkChapter checks one chapter; runTests false leaves out its tests.
func checkChapter(root string, c chapter, listed map[string]bool, runTests bool) checkResult {
	r := checkResult{chapter: c}
	dir := filepath.Join(root, c.Path())
	r.listed = listed[c.Path()]
	if !r.listed {
		r.fail("not listed in go.work")
	}
	if !fileExists(filepath.Join(dir, "go.mod")) {
		r.fail("no go.mod")
		return r
	}
	r.hasTests = hasTestFiles(dir)
	if !r.hasTests {
		r.fail("no tests")
	}
	pkgs := "./" + c.Path() + "/..."
	if out, err := goCmd(root, "build", pkgs); err != nil {
		r.fail("does not build: %s", firstLine(out))
	} else {
		r.builds = true
	}
	if runTests && r.builds && r.hasTests {
		r.testsRun = true
		if out, err := goCmd(root, "test", "-race", pkgs); err != nil {
			r.fail("tests fail: %s", firstFailure(out))
		} else {
			r.passes = true
		}
	}

	_, f, i, _ := findChapter(c.Path())
	prev := ""
	if i > 0 {
		prev = f.Chapters[i-1].Name
	}
	r.hasDoc = checkDoc(root, c, prev, &r)

	if i > 0 {
		size, err := measureStep(root, f.Chapters[i-1].Path(), c.Path())
		if err != nil {
			r.fail("measuring the step: %v", err)
		} else {
			r.size = &size
			if sizeLimited(c) && size.Framework > maxFrameworkLines {
				r.fail("framework code changes %d lines against %s (at most %d)", size.Framework, prev, maxFrameworkLines)
			}
			if sizeLimited(c) && size.Demo > maxDemoLines {
				r.fail("demo changes %d lines against %s (at most %d)", size.Demo, prev, maxDemoLines)
			}
		}
	}
	return r
}

// checkDoc checks that the chapter's page exists and, for a framework chapter, has the
// sections every chapter page has.
func checkDoc(root string, c chapter, prev string, r *checkResult) bool {
	data, err := os.ReadFile(filepath.Join(root, c.DocPath()))
	if err != nil {
		r.fail("no doc page %s", c.DocPath())
		return false
	}
	if c.Name == "" {
		return true
	}
	if problem := checkPageShape(c, prev, string(data)); problem != "" {
		r.fail("%s: %s", c.DocPath(), problem)
		return false
	}
	return true
}

// checkLinks follows every relative link of README.md and docs/ and prints those that lead
// nowhere.
func checkLinks(e *env) (ok bool, err error) {
	problems, followed, err := brokenLinks(e.root)
	if err != nil {
		return false, err
	}
	for _, p := range problems {
		fmt.Fprintln(e.stdout, "FAIL "+p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(e.stdout, "links: %d of %d relative links in the docs lead nowhere\n", len(problems), followed)
		return false, nil
	}
	fmt.Fprintf(e.stdout, "links: all %d relative links in the docs lead to a file\n", followed)
	return true, nil
}

// checkMermaid renders every Mermaid block of README.md and docs/ when mermaid-cli is installed,
// prints each block that does not render, and says how to install mermaid-cli when it is not.
func checkMermaid(e *env) (ok bool, err error) {
	blocks, err := findMermaidBlocks(e.root)
	if err != nil {
		return false, err
	}
	files := map[string]bool{}
	for _, b := range blocks {
		files[b.file] = true
	}
	where := fmt.Sprintf("%s in %s", plural(len(blocks), "Mermaid block"), plural(len(files), "file"))
	mmdc, err := exec.LookPath("mmdc")
	if err != nil {
		fmt.Fprintf(e.stdout, "mermaid: mmdc is not installed, so the %s were not rendered;\n  %s\n", where, mermaidInstallHelp)
		return true, nil
	}
	r, err := newMermaidRenderer(mmdc)
	if err != nil {
		return false, err
	}
	defer r.close()
	problems, rendered, err := r.render(blocks)
	if err != nil {
		return false, err
	}
	for _, p := range problems {
		fmt.Fprintln(e.stdout, "FAIL "+p)
	}
	again := ""
	if known := len(blocks) - rendered - len(problems); known > 0 {
		again = fmt.Sprintf("; %d unchanged since they last rendered with mmdc %s", known, r.version)
	}
	if len(problems) > 0 {
		fmt.Fprintf(e.stdout, "mermaid: %d of the %s do not render%s\n", len(problems), where, again)
		return false, nil
	}
	fmt.Fprintf(e.stdout, "mermaid: all %s render%s\n", where, again)
	return true, nil
}
