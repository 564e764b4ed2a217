package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

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

// stepFixture is a chapter pair whose files, in path order, would put tests and other files
// before the framework code.
func stepFixture(t *testing.T) string {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"fw/day1-a/go.mod":           "module fw/day1-a\n\ngo 1.26\n",
		"fw/day1-a/main.go":          "package main\n\n// Run it with: go run ./fw/day1-a\nfunc main() {}\n",
		"fw/day1-a/main_test.go":     "package main\n",
		"fw/day1-a/gee/gee.go":       "package gee\n\nfunc Run() {}\n",
		"fw/day1-a/gee/a_test.go":    "package gee\n",
		"fw/day1-a/gee/pb/x.pb.go":   "package pb\n",
		"fw/day1-a/static/site.css":  "body {}\n",
		"fw/day2-b/go.mod":           "module fw/day2-b\n\ngo 1.26\n\nrequire example.com/x v1.0.0\n",
		"fw/day2-b/main.go":          "package main\n\n// Run it with: go run ./fw/day2-b\nfunc main() {}\n",
		"fw/day2-b/main_test.go":     "package main\n\nfunc helper() {}\n",
		"fw/day2-b/gee/gee.go":       "package gee\n\nfunc Run() {}\n\nfunc Use() {}\n",
		"fw/day2-b/gee/trie.go":      "package gee\n\ntype node struct{}\n",
		"fw/day2-b/gee/a_test.go":    "package gee\n\nimport \"testing\"\n",
		"fw/day2-b/gee/pb/x.pb.go":   "package pb\n\nvar X int\n",
		"fw/day2-b/static/site.css":  "body { margin: 0 }\n",
		"fw/day2-b/gee/testdata/t.x": "data\n",
	})
	return root
}

var fileHeader = regexp.MustCompile(`(?m)^\+\+\+ (\S+)$`)

func diffFiles(out string) []string {
	var files []string
	for _, m := range fileHeader.FindAllStringSubmatch(out, -1) {
		files = append(files, m[1])
	}
	return files
}

func TestDiffPrintsFrameworkThenDemoThenOtherFilesThenTests(t *testing.T) {
	root := stepFixture(t)
	var out bytes.Buffer
	if err := diffChapters(&out, root, "fw/day1-a", "fw/day2-b"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"fw/day2-b/gee/trie.go", "fw/day2-b/gee/gee.go", // framework: new, then changed
		"fw/day2-b/main.go",                                                         // demo
		"fw/day2-b/go.mod", "fw/day2-b/gee/pb/x.pb.go", "fw/day2-b/static/site.css", // other
		"fw/day2-b/gee/testdata/t.x", "fw/day2-b/gee/a_test.go", "fw/day2-b/main_test.go", // tests
	}
	if got := diffFiles(out.String()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("files in order\n%v\nwant\n%v\n%s", got, want, out.String())
	}
}

func TestDiffCodeShowsOnlyFrameworkAndDemo(t *testing.T) {
	root := stepFixture(t)
	code, stdout, stderr := runGeeIn(t, root, "diff", "--code", "fw/day2-b")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := "fw/day2-b/gee/trie.go fw/day2-b/gee/gee.go fw/day2-b/main.go"
	if got := strings.Join(diffFiles(stdout), " "); got != want {
		t.Fatalf("--code printed %s, want %s:\n%s", got, want, stdout)
	}
}

func TestDiffStatPrintsAddedRemovedAndKindPerFileAndTotals(t *testing.T) {
	root := stepFixture(t)
	code, stdout, stderr := runGeeIn(t, root, "diff", "fw/day2-b", "--stat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			rows = append(rows, f)
		}
	}
	want := [][]string{
		{"+3", "-0", "framework", "gee/trie.go"},
		{"+2", "-0", "framework", "gee/gee.go"},
		{"+1", "-1", "demo", "main.go"},
		{"+2", "-0", "other", "go.mod"},
		{"+2", "-0", "other", "gee/pb/x.pb.go"},
		{"+1", "-1", "other", "static/site.css"},
		{"+1", "-0", "test", "gee/testdata/t.x"},
		{"+2", "-0", "test", "gee/a_test.go"},
		{"+2", "-0", "test", "main_test.go"},
		{"+5", "-0", "framework", "total", "of", "2", "files"},
		{"+1", "-1", "demo", "total", "of", "1", "file"},
		{"+5", "-1", "other", "total", "of", "3", "files"},
		{"+5", "-0", "test", "total", "of", "3", "files"},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d:\n%s", len(rows), len(want), stdout)
	}
	for i := range want {
		if strings.Join(rows[i], " ") != strings.Join(want[i], " ") {
			t.Errorf("row %d: %q, want %q", i, rows[i], want[i])
		}
	}

	code, stdout, _ = runGeeIn(t, root, "diff", "--stat", "--code", "fw/day2-b")
	if code != 0 || strings.Contains(stdout, "test") || strings.Contains(stdout, "other") ||
		!strings.Contains(stdout, "total of 2 files") {
		t.Fatalf("--stat --code: exit %d\n%s", code, stdout)
	}
}

func TestDiffQuotesRemovedLinesAsTheOldFileHasThem(t *testing.T) {
	root := stepFixture(t)
	var out bytes.Buffer
	if err := diffChapters(&out, root, "fw/day1-a", "fw/day2-b"); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	// The demo's comment names its own chapter: the old line says day1-a, the new one day2-b.
	for _, want := range []string{"-// Run it with: go run ./fw/day1-a\n", "+// Run it with: go run ./fw/day2-b\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---") && strings.Contains(l, "day2-b") {
			t.Errorf("removed line names the new chapter: %q", l)
		}
	}
}

func TestRenameChapterTouchesOnlyModuleLineAndImportPaths(t *testing.T) {
	goFile := "package main\n\n// Built from fw/day1-a.\nimport (\n\t\"fmt\"\n\n\tg \"fw/day1-a/gee\"\n)\n\nimport \"fw/day1-a\"\n\n" +
		"func main() { fmt.Println(\"fw/day1-a/gee\") }\n\nconst src = `\nimport \"fw/day1-a/gee\"\n`\n"
	want := "package main\n\n// Built from fw/day1-a.\nimport (\n\t\"fmt\"\n\n\tg \"fw/day2-b/gee\"\n)\n\nimport \"fw/day2-b\"\n\n" +
		"func main() { fmt.Println(\"fw/day1-a/gee\") }\n\nconst src = `\nimport \"fw/day1-a/gee\"\n`\n"
	if got := string(renameChapter("gee/x.go", []byte(goFile), "fw/day1-a", "fw/day2-b")); got != want {
		t.Errorf("Go file:\n%s\nwant:\n%s", got, want)
	}
	mod := "// fw/day1-a is the first chapter\nmodule fw/day1-a\n\ngo 1.26\n"
	if got := string(renameChapter("go.mod", []byte(mod), "fw/day1-a", "fw/day2-b")); got != "// fw/day1-a is the first chapter\nmodule fw/day2-b\n\ngo 1.26\n" {
		t.Errorf("go.mod: %q", got)
	}
	proto := "// see fw/day1-a\noption go_package = \"fw/day1-a/pb\";\n"
	if got := string(renameChapter("pb/x.proto", []byte(proto), "fw/day1-a", "fw/day2-b")); got != "// see fw/day1-a\noption go_package = \"fw/day2-b/pb\";\n" {
		t.Errorf(".proto: %q", got)
	}
	if got := string(renameChapter("README.txt", []byte("fw/day1-a\n"), "fw/day1-a", "fw/day2-b")); got != "fw/day1-a\n" {
		t.Errorf("other file renamed: %q", got)
	}
}

func TestDiffFlagsAndArgumentsAreChecked(t *testing.T) {
	root := stepFixture(t)
	for _, args := range [][]string{
		{"diff", "--frobnicate", "fw/day2-b"},
		{"diff", "fw/day2-b", "fw/day1-a"},
		{"diff", "--stat"},
	} {
		if code, _, stderr := runGeeIn(t, root, args...); code != 2 || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
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
	writeHunks(&out, a, b, lineEdits(a, b), 3)
	want := "@@ -7,7 +7,7 @@\n " + a[6] + " " + a[7] + " " + a[8] + "-" + a[9] + "+changed\n " + a[10] + " " + a[11] + " " + a[12]
	if got := out.String(); got != want {
		t.Fatalf("got hunk:\n%s\nwant:\n%s", got, want)
	}
}

func TestLineEditsIsAShortestScript(t *testing.T) {
	a := strings.Split("a b c a b b a", " ")
	b := strings.Split("c b a b a c", " ")
	edits := lineEdits(a, b)
	var oldBack, newBack []string
	changed := 0
	for _, e := range edits {
		if e.op != '+' {
			oldBack = append(oldBack, a[e.a])
		}
		if e.op != '-' {
			newBack = append(newBack, b[e.b])
		}
		if e.op == ' ' && a[e.a] != b[e.b] {
			t.Fatalf("kept line differs: %+v", e)
		}
		if e.op != ' ' {
			changed++
		}
	}
	if strings.Join(oldBack, "") != strings.Join(a, "") || strings.Join(newBack, "") != strings.Join(b, "") {
		t.Fatalf("edits do not rebuild both sides: %v %v", oldBack, newBack)
	}
	// The longest common subsequence has 4 lines, so 3 removed and 2 added.
	if changed != 5 {
		t.Fatalf("%d changed lines, want 5", changed)
	}
}

// Every diff of the real chapters: the framework comes first when the step touches it, and every
// line is quoted from its own chapter (the misquote of issue 11: a removed line of
// gee-cache/day2-single-node named day2-single-node while the old main.go says day1-lru).
func TestRealDiffsQuoteBothChaptersAndLeadWithTheFramework(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range frameworks {
		for i := 1; i < len(f.Chapters); i++ {
			prev, cur := f.Chapters[i-1].Path(), f.Chapters[i].Path()
			if !fileExists(filepath.Join(root, cur, "go.mod")) {
				continue
			}
			diffs, err := compareChapters(root, prev, cur)
			if err != nil {
				t.Fatal(err)
			}
			oldFiles, _ := readTree(filepath.Join(root, prev))
			newFiles, _ := readTree(filepath.Join(root, cur))
			for k, d := range diffs {
				if k > 0 && d.kind == kindFramework && diffs[k-1].kind != kindFramework {
					t.Errorf("%s: framework file %s comes after %s", cur, d.name, diffs[k-1].name)
				}
				oldLines, newLines := splitLines(string(oldFiles[d.name])), splitLines(string(newFiles[d.name]))
				for _, e := range d.edits {
					if e.op == '-' && d.old[e.a] != oldLines[e.a] || e.op != '-' && d.new[e.b] != newLines[e.b] {
						t.Fatalf("%s %s: edit %+v quotes a line its file does not have", cur, d.name, e)
					}
				}
			}
		}
	}
	var out bytes.Buffer
	if err := diffChapters(&out, root, "gee-cache/day1-lru", "gee-cache/day2-single-node"); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "-") && strings.Contains(l, "go run") && strings.Contains(l, "day2-single-node") {
			t.Errorf("removed line names the new chapter: %q", l)
		}
	}
}

// runGeeIn runs gee in a repo of its own at root whose one framework, fw, has the chapters
// day1-a and day2-b.
func runGeeIn(t *testing.T, root string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	savedRoot, savedFrameworks := findRoot, frameworks
	t.Cleanup(func() { findRoot, frameworks = savedRoot, savedFrameworks })
	findRoot = func() (string, error) { return root, nil }
	frameworks = []framework{fw("fw", "a test framework", [2]string{"day1-a", "first"}, [2]string{"day2-b", "second"})}
	return runGee(t, args...)
}
