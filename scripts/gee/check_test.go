package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestChangedLinesCountsLikeChapdiff(t *testing.T) {
	zs := func(prefix []string, n int) []string {
		out := append([]string(nil), prefix...)
		for i := 0; i < n; i++ {
			out = append(out, fmt.Sprintf("z%d", i))
		}
		return out
	}
	braces := strings.Split("}}}}}", "")
	// Expected counts are what chapdiff.py (difflib) prints for the same lines.
	cases := []struct {
		name string
		a, b []string
		want int
	}{
		// difflib takes the longest run first, which is not always the longest subsequence:
		// these count more than the 4, 4, 5 and 6 lines a shortest diff would.
		{"run first: bacbdc→aabc", strings.Split("bacbdc", ""), strings.Split("aabc", ""), 6},
		{"run first: aba→aacbabb", strings.Split("aba", ""), strings.Split("aacbabb", ""), 6},
		{"run first: dcdba→ccbd", strings.Split("dcdba", ""), strings.Split("ccbd", ""), 7},
		{"run first: abbadd→bcac", strings.Split("abbadd", ""), strings.Split("bcac", ""), 8},
		// In a new file of 200 lines or more, a line found more than 1% of the time never
		// starts a match, so five "}" between changed lines count as changed...
		{"popular lines alone", append(append([]string{"x"}, braces...), "y"), zs(append(append([]string{"p"}, braces...), "q"), 200), 214},
		// ...but they still extend a match that another line started.
		{"popular lines extend a match", append([]string{"x", "y"}, braces...), zs(append([]string{"x", "y"}, braces...), 200), 200},
		// chapdiff.py skips diff lines that start with "---" or "+++", even content lines.
		{"header-like lines", []string{"--x", "a"}, []string{"++y", "a"}, 0},
		{"same", []string{"a", "b"}, []string{"a", "b"}, 0},
		{"new file", nil, []string{"a", "b", "c"}, 3},
	}
	for _, c := range cases {
		if got := changedLines(c.a, c.b); got != c.want {
			t.Errorf("%s: %d changed lines, want %d", c.name, got, c.want)
		}
	}
}

func TestPySplitLinesSplitsLikePython(t *testing.T) {
	for in, want := range map[string][]string{
		"":                nil,
		"a":               {"a"},
		"a\n":             {"a"},
		"a\n\nb":          {"a", "", "b"},
		"\n":              {""},
		"a\fb\x1ec\u2028": {"a", "b", "c"},
	} {
		if got := pySplitLines(in); strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Errorf("pySplitLines(%q) = %q, want %q", in, got, want)
		}
	}
	if got := placeholderLines([]byte("x fw/day1-a y\r\nz\r"), "fw/day1-a"); strings.Join(got, "|") != "x CHAPTER y|z" {
		t.Errorf("placeholderLines = %q", got)
	}
}

func TestMeasureStepCountsFrameworkAndDemoGoCodeOnly(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"fw/day1-a/go.mod":          "module fw/day1-a\n",
		"fw/day1-a/main.go":         "package main\n\nimport \"fw/day1-a/gee\"\n\n// go run ./fw/day1-a\nfunc main() { gee.Run() }\n",
		"fw/day1-a/gee/gee.go":      "package gee\n\nfunc Run() {}\n",
		"fw/day1-a/gee/gee_test.go": "package gee\n",
		"fw/day1-a/gee/pb/x.pb.go":  "package pb\n",
		"fw/day1-a/gone.go":         "package main\n\nfunc gone() {}\n",
		"fw/day2-b/go.mod":          "module fw/day2-b\n\nrequire x v1\n",
		"fw/day2-b/main.go":         "package main\n\nimport \"fw/day2-b/gee\"\n\n// go run ./fw/day2-b\nfunc main() { gee.Use(); gee.Run() }\n",
		"fw/day2-b/gee/gee.go":      "package gee\n\nfunc Run() {}\n\nfunc Use() {}\n",
		"fw/day2-b/gee/new.go":      "package gee\n\nvar x = 1\n",
		"fw/day2-b/gee/gee_test.go": "package gee\n\nfunc TestX() {}\n",
		"fw/day2-b/gee/pb/x.pb.go":  "package pb\n\nvar Y int\n",
		"fw/day2-b/static/site.css": "body {}\n",
	})
	size, err := measureStep(root, "fw/day1-a", "fw/day2-b")
	if err != nil {
		t.Fatal(err)
	}
	// Framework: gee.go +2, new.go +3. Demo: main.go -1 +1 (the import and the comment name the
	// chapter, which the placeholder hides), gone.go -3. Tests, generated code, go.mod and
	// static files do not count.
	if size != (stepSize{Framework: 5, Demo: 5}) {
		t.Fatalf("step size %+v, want framework 5, demo 5", size)
	}
}

// The project's own measure of step sizes is /work/shared/hooks/chapdiff.py; gee check must
// print the same numbers for every chapter of the repo.
func TestStepSizesAgreeWithChapdiff(t *testing.T) {
	const script = "/work/shared/hooks/chapdiff.py"
	if _, err := os.Stat(script); err != nil {
		t.Skipf("%s is not on this machine", script)
	}
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(python, script)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chapdiff.py: %v", err)
	}
	line := regexp.MustCompile(`^(\S+) (\S+) lib=(\d+) test=\d+ demo=(\d+)$`)
	compared := 0
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("chapdiff.py printed %q", l)
		}
		c, f, i, ok := findChapter(m[1] + "/" + m[2])
		if !ok || i == 0 {
			continue
		}
		size, err := measureStep(root, f.Chapters[i-1].Path(), c.Path())
		if err != nil {
			t.Fatal(err)
		}
		lib, _ := strconv.Atoi(m[3])
		demo, _ := strconv.Atoi(m[4])
		if size.Framework != lib || size.Demo != demo {
			t.Errorf("%s: gee counts framework %d, demo %d; chapdiff.py lib=%d demo=%d", c.Path(), size.Framework, size.Demo, lib, demo)
		}
		compared++
	}
	if compared < 24 {
		t.Fatalf("compared %d chapters, want every day2-day8 chapter", compared)
	}
}

func TestSizeLimitsApplyToDaysTwoToSeven(t *testing.T) {
	for name, want := range map[string]bool{
		"day1-lru": false, "day2-context": true, "day7-migrate": true, "day8-performance": false, "": false,
	} {
		if got := sizeLimited(chapter{Framework: "fw", Name: name}); got != want {
			t.Errorf("sizeLimited(%q) = %v", name, got)
		}
	}
}

// checkFixture is a two-chapter workspace whose day2 changes frameworkLines lines of framework
// code; both pages have the common sections.
func checkFixture(t *testing.T, frameworkLines int) string {
	t.Helper()
	root := t.TempDir()
	var big strings.Builder
	big.WriteString("package gee\n")
	for i := 1; i < frameworkLines; i++ {
		fmt.Fprintf(&big, "// line %d\n", i)
	}
	page := func(name, title, changed string) string {
		return "# fw " + name + ": " + title + "\n\n## What this step adds and why\n\n```sh\n## not a heading\n```\n\n" +
			"## The code\n\n## Run it\n\n## Test it\n\n## Pitfalls\n\n## " + changed + "\n\n## Take it as an exercise\n"
	}
	writeFiles(t, root, map[string]string{
		"go.work":                   "go 1.26\n\nuse (\n\t./fw/day1-a\n\t./fw/day2-b\n)\n",
		"fw/day1-a/go.mod":          "module fw/day1-a\n\ngo 1.26\n",
		"fw/day1-a/main.go":         "package main\n\nfunc main() {}\n",
		"fw/day1-a/gee/gee.go":      "package gee\n",
		"fw/day1-a/gee/gee_test.go": "package gee\n",
		"fw/day2-b/go.mod":          "module fw/day2-b\n\ngo 1.26\n",
		"fw/day2-b/main.go":         "package main\n\nfunc main() {}\n",
		"fw/day2-b/gee/gee.go":      "package gee\n",
		"fw/day2-b/gee/big.go":      big.String(),
		"fw/day2-b/gee/gee_test.go": "package gee\n",
		"docs/fw/day1-a.md":         page("day1-a", "the first", "What changed"),
		"docs/fw/day2-b.md":         page("day2-b", "the second", "What changed since day1-a"),
	})
	return root
}

func TestCheckReportsStepSizesAndFailsPastTheLimit(t *testing.T) {
	root := checkFixture(t, 250)
	savedFrameworks := frameworks
	t.Cleanup(func() { frameworks = savedFrameworks })
	frameworks = []framework{fw("fw", "a test framework", [2]string{"day1-a", "first"}, [2]string{"day2-b", "second"})}
	listed, err := workspaceModules(root)
	if err != nil {
		t.Fatal(err)
	}
	r := checkChapter(root, frameworks[0].Chapters[1], listed, false)
	if !r.ok() || r.size == nil || r.size.Framework != 250 || r.size.Demo != 0 || !r.hasDoc || !r.builds || r.testsRun {
		t.Fatalf("250 lines: %+v", r)
	}

	root = checkFixture(t, 251)
	if code, _, stderr := runGeeIn(t, root, "check", "-frobnicate"); code != 2 || !strings.Contains(stderr, "unknown flag -frobnicate") {
		t.Fatalf("unknown flag: exit %d, %q", code, stderr)
	}
	code, stdout, stderr := runGeeIn(t, root, "check", "fw", "--skip-tests")
	if code != 1 || !strings.Contains(stdout, "FAIL fw/day2-b: framework code changes 251 lines against day1-a (at most 250)") ||
		!regexp.MustCompile(`fw/day2-b\s+yes\s+yes\s+yes\s+skipped\s+yes\s+251/250 OVER\s+0/120`).MatchString(stdout) ||
		!strings.Contains(stdout, "ok   fw/day1-a") || !strings.Contains(stderr, "1 of 2 chapters failed") {
		t.Fatalf("251 lines: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestPageShapeWantsTheCommonSectionsInOrder(t *testing.T) {
	c := chapter{Framework: "gee-web", Name: "day3-router"}
	sections := func(s ...string) string {
		page := "# gee-web day3-router: a trie router\n\nintro\n\n"
		for _, h := range s {
			page += "## " + h + "\n\ntext\n\n"
		}
		return page
	}
	all := []string{"What this step adds and why", "Diagram", "The code", "Run it", "Test it", "Pitfalls",
		"What changed since day2-context", "Take it as an exercise"}
	if p := checkPageShape(c, "day2-context", sections(all...)); p != "" {
		t.Errorf("full page: %s", p)
	}
	noDiagram := append([]string{all[0]}, all[2:]...)
	if p := checkPageShape(c, "day2-context", sections(noDiagram...)); p != "" {
		t.Errorf("page without a diagram: %s", p)
	}
	for name, page := range map[string]string{
		"missing Test it":     sections(all[0], all[1], all[2], all[3], all[5], all[6], all[7]),
		"swapped":             sections(all[0], all[1], all[3], all[2], all[4], all[5], all[6], all[7]),
		"extra section":       sections(append(append([]string{}, all[:6]...), "Benchmarks", all[6], all[7])...),
		"wrong predecessor":   sections(append(append([]string{}, all[:6]...), "What changed since day1-http-base", all[7])...),
		"wrong title":         strings.Replace(sections(all...), "# gee-web day3-router: ", "# day3-router: ", 1),
		"title without words": strings.Replace(sections(all...), ": a trie router", ": ", 1),
	} {
		if p := checkPageShape(c, "day2-context", page); p == "" {
			t.Errorf("%s: passed", name)
		}
	}
	day1 := chapter{Framework: "gee-web", Name: "day1-http-base"}
	page := "# gee-web day1-http-base: an engine\n\n" + strings.Replace(sections(all...)[len("# gee-web day3-router: a trie router\n\nintro\n\n"):],
		"What changed since day2-context", "What changed: this is the first chapter", 1)
	if p := checkPageShape(day1, "", page); p != "" {
		t.Errorf("day1: %s", p)
	}
}

func TestFindMermaidBlocksSkipsBlocksShownInsideOtherFences(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"README.md": "# x\n\n```mermaid\ngraph LR\n  A-->B\n```\n",
		"docs/fw/page.md": "text\n\n````md\n```mermaid\nnot a block\n```\n````\n\n~~~mermaid\nsequenceDiagram\n  A->>B: hi\n~~~\n\n" +
			"```go\n// ```mermaid in a comment\n```\n\n```\nno info string\n```\n",
		"docs/notes.txt": "```mermaid\nnot markdown\n```\n",
	})
	blocks, err := findMermaidBlocks(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range blocks {
		got = append(got, fmt.Sprintf("%s:%d:%q", b.file, b.line, b.text))
	}
	want := []string{`README.md:3:"graph LR\n  A-->B\n"`, `docs/fw/page.md:9:"sequenceDiagram\n  A->>B: hi\n"`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("blocks\n%v\nwant\n%v", got, want)
	}
}

func TestMermaidErrorPointsAtTheFileLine(t *testing.T) {
	out := "Found 1 mermaid charts in Markdown input\n\nError: Parse error on line 2:\n...am A->>B: hi; there\n-------------------^\nExpecting 'TXT'\n  at x\n"
	got := mermaidError(out, 10)
	if !strings.HasPrefix(got, "parse error on line 2 of the block (line 12 of the file):") || !strings.Contains(got, "hi; there") {
		t.Fatalf("mermaidError = %q", got)
	}
}

// Renders real diagrams, so it needs mermaid-cli; CI installs it (.ci/run).
func TestMermaidRendererNamesEachBlockThatFails(t *testing.T) {
	mmdc, err := exec.LookPath("mmdc")
	if err != nil {
		t.Skip("mmdc (mermaid-cli) is not installed; " + mermaidInstallHelp)
	}
	r, err := newMermaidRenderer(mmdc)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	r.cacheDir = t.TempDir()
	blocks := []mermaidBlock{
		{file: "docs/a.md", line: 3, text: "graph LR\n  A-->B\n"},
		{file: "docs/b.md", line: 7, text: "sequenceDiagram\n  A->>B: hi; there\n"},
		{file: "docs/c.md", line: 1, text: "graph LR\n  C-->D\n"},
	}
	problems, rendered, err := r.render(blocks)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.HasPrefix(problems[0], "docs/b.md:7: Mermaid block does not render: parse error on line 2 of the block (line 9 of the file)") {
		t.Fatalf("problems %q", problems)
	}
	if rendered != 2 {
		t.Fatalf("rendered %d blocks, want the two good ones", rendered)
	}
	// The good blocks are remembered; the bad one is tried again.
	problems, rendered, err = r.render(blocks)
	if err != nil || len(problems) != 1 || rendered != 0 {
		t.Fatalf("second run: problems %q, rendered %d, err %v", problems, rendered, err)
	}
	if !r.known(blocks[0]) || r.known(blocks[1]) {
		t.Fatal("cache holds the wrong blocks")
	}
}

func TestBrokenLinksNamesFileAndLine(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"README.md":          "see [docs](docs/README.md) and [gone](docs/gone.md#x)\n[web](https://example.com) [here](#top)\n",
		"docs/README.md":     "[a](fw/a.md) [code](../fw/day1-a/main.go) ![pic](fw/pic.svg) `[not](a link)`\n\n```\n[also not](x.md)\n```\n[ref]: fw/missing.md\n",
		"docs/fw/a.md":       "[up](../README.md#docs-index) [sp](my%20file.md)\n",
		"docs/fw/my file.md": "x\n",
		"fw/day1-a/main.go":  "package main\n",
	})
	problems, followed, err := brokenLinks(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"README.md:1: link to docs/gone.md: no such file",
		"docs/README.md:1: link to fw/pic.svg: no such file",
		"docs/README.md:6: link to fw/missing.md: no such file",
	}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") || followed != 8 {
		t.Fatalf("followed %d links, problems:\n%s\nwant:\n%s", followed, strings.Join(problems, "\n"), strings.Join(want, "\n"))
	}
}
