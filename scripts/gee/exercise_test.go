package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// The toy framework: two chapters small enough to check the exercise tool on every case the
// function diff and the blanking must get right.

const toyDay1 = `// Package toy is a framework small enough to test the exercise tool on.
package toy

import (
	"fmt"
	"strings"
)

// Set is a generic set.
type Set[T comparable] struct{ m map[T]bool }

// NewSet returns an empty set.
func NewSet[T comparable]() *Set[T] { return &Set[T]{m: map[T]bool{}} }

// Add puts v in the set.
func (s *Set[T]) Add(v T) { s.m[v] = true }

// Has reports whether v is in the set.
func (s *Set[T]) Has(v T) bool { return s.m[v] }

// A has a Name method.
type A struct{}

// B has one too.
type B struct{}

// Name names A.
func (A) Name() string { return "a" }

// Name names B.
func (B) Name() string { return "b" }

// Registered is filled by init functions.
var Registered []string

func init() { Registered = append(Registered, "one") }

// Upper shouts.
func Upper(s string) string { return strings.ToUpper(s) }

// Describe prints v.
func Describe(v int) string { return fmt.Sprint(v) }

// Chapter names the chapter.
func Chapter() string { return "toy/day1-base" }
`

// toyDay2 changes B.Name (not A.Name) and Set.Has, changes only a comment in Describe and only
// the chapter's name in Chapter, and keeps Upper.
var toyDay2 = strings.NewReplacer(
	`func (B) Name() string { return "b" }`, `func (B) Name() string { return "bee" }`,
	`func (s *Set[T]) Has(v T) bool { return s.m[v] }`, "func (s *Set[T]) Has(v T) bool {\n\tok := s.m[v]\n\treturn ok\n}",
	`func Describe(v int) string { return fmt.Sprint(v) }`, "func Describe(v int) string {\n\t// decimal, as fmt prints it\n\treturn fmt.Sprint(v)\n}",
	`"toy/day1-base"`, `"toy/day2-more"`,
).Replace(toyDay1)

// toyMore is new in day2: every function of it is new, so blanking leaves both imports unused.
const toyMore = `package toy

import (
	"strconv"
	"strings"
)

func init() { Registered = append(Registered, "two") }

// Twice repeats s.
func Twice(s string) string { return strings.Repeat(s, 2) }

// Split cuts s at the first comma.
func Split(s string) (head, tail string) {
	head, tail, _ = strings.Cut(s, ",")
	return
}

// Untested has no test: the audit must call it a gap.
func Untested() string { return strconv.Itoa(42) }
`

const toyDay1Test = `package toy

import "testing"

func TestSet(t *testing.T) {
	s := NewSet[int]()
	s.Add(1)
	if !s.Has(1) || s.Has(2) {
		t.Fatal("set membership is wrong")
	}
}

func TestNames(t *testing.T) {
	if (A{}).Name() != "a" || (B{}).Name() != NameOfB {
		t.Fatal("names are wrong")
	}
}

func TestUpperAndDescribe(t *testing.T) {
	if Upper("x") != "X" || Describe(7) != "7" {
		t.Fatal("wrong")
	}
}

func TestRegistered(t *testing.T) {
	if len(Registered) != Inits {
		t.Fatalf("registered %v", Registered)
	}
}
`

const toyDay2Test = `package toy

import "testing"

func TestTwice(t *testing.T) {
	if Twice("ab") != "abab" {
		t.Fatal("Twice")
	}
}

func TestSplit(t *testing.T) {
	if h, r := Split("a,b"); h != "a" || r != "b" {
		t.Fatal("Split")
	}
}
`

const toyPage = `# toy day2-more: more

## What this step adds and why

A second init, and the ` + "`Split`" + ` helper that cuts at the comma.

## The code

- ` + "`Twice`" + ` repeats a string.

` + "`B.Name`" + ` now says bee.

A set answers ` + "`Has`" + ` in a new way.

` + "```go" + `
func Untested() string
` + "```" + `

## Take it as an exercise
`

func exWriteFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// exToyRepo writes the toy framework into a temporary repo root and puts it in the chapter
// map for the duration of the test.
func exToyRepo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	main := "package main\n\nimport (\n\t\"fmt\"\n\n\t\"%s/toy\"\n)\n\nfunc main() { fmt.Println(toy.Upper(\"hi\")) }\n"
	exWriteFiles(t, root, map[string]string{
		"toy/day1-base/go.mod":               "module toy/day1-base\n\ngo 1.26\n",
		"toy/day1-base/main.go":              strings.ReplaceAll(main, "%s", "toy/day1-base"),
		"toy/day1-base/toy/toy.go":           toyDay1,
		"toy/day1-base/toy/toy_test.go":      toyDay1Test,
		"toy/day1-base/toy/consts_test.go":   "package toy\n\nconst NameOfB, Inits = \"b\", 1\n",
		"toy/day2-more/go.mod":               "module toy/day2-more\n\ngo 1.26\n",
		"toy/day2-more/main.go":              strings.ReplaceAll(main, "%s", "toy/day2-more"),
		"toy/day2-more/toy/toy.go":           toyDay2,
		"toy/day2-more/toy/more.go":          toyMore,
		"toy/day2-more/toy/toy_test.go":      toyDay1Test,
		"toy/day2-more/toy/more_test.go":     toyDay2Test,
		"toy/day2-more/toy/consts_test.go":   "package toy\n\nconst NameOfB, Inits = \"bee\", 2\n",
		"docs/toy/day2-more.md":              toyPage,
		"toy/day2-more/toy/testdata/keep.me": "not Go",
	})
	saved := frameworks
	frameworks = append([]framework{fw("toy", "a toy framework",
		[2]string{"day1-base", "the base"}, [2]string{"day2-more", "more"})}, saved...)
	t.Cleanup(func() { frameworks = saved })
	return root
}

func exIDs(funcs []exFunc) []string {
	ids := make([]string, len(funcs))
	for i, f := range funcs {
		ids[i] = f.ID
	}
	return ids
}

func TestExerciseDay1HoldsEveryFunctionOfTheFramework(t *testing.T) {
	root := exToyRepo(t)
	ex, err := exLoad(root, "toy/day1-base")
	if err != nil {
		t.Fatal(err)
	}
	got := exIDs(ex.Funcs)
	want := []string{"init", "NewSet", "Set.Add", "Set.Has", "A.Name", "B.Name", "Upper", "Describe", "Chapter"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("day1 functions %v, want %v (the demo's main is not one)", got, want)
	}
}

func TestExerciseHoldsWhatTheChapterAddsOrChangesInPageOrder(t *testing.T) {
	root := exToyRepo(t)
	ex, err := exLoad(root, "toy/day2-more")
	if err != nil {
		t.Fatal(err)
	}
	// init functions first (every test waits for them), then the page's order, then the
	// unmentioned Untested (only in a code block, which does not count). A.Name has the same
	// name as the changed B.Name but did not change; Describe changed a comment only, Chapter
	// only the chapter's name; Upper not at all.
	want := []string{"init", "Split", "Twice", "B.Name", "Set.Has", "Untested"}
	if got := exIDs(ex.Funcs); !reflect.DeepEqual(got, want) {
		t.Fatalf("functions to write %v, want %v", got, want)
	}
	// day1's init in toy.go is unchanged; day2's second one is in more.go.
	if ex.Funcs[0].File != "toy/more.go" || ex.Funcs[0].Nth != 0 {
		t.Errorf("init is %+v", ex.Funcs[0])
	}
}

func TestExerciseChangedFuncsComparesByReceiverAndName(t *testing.T) {
	parse := func(src string) []exFunc {
		fs, err := exParseFile("p/x.go", []byte(src), []string{"m/day1", "m/day2"})
		if err != nil {
			t.Fatal(err)
		}
		return fs
	}
	old := parse("package p\nfunc (a *A) M() int { return 1 }\nfunc (b B) M() int { return 1 }\nfunc (s *S[T]) G() {}\nfunc F() string { return \"m/day1\" }\n")
	cur := parse("package p\nfunc (a *A) M() int { return 1 }\nfunc (b B) M() int { return 2 }\nfunc (s *S[K]) G() {}\nfunc F() string { return \"m/day2\" }\nfunc H() {}\n")
	var got []string
	for _, f := range exChangedFuncs(old, cur) {
		got = append(got, f.qualified())
	}
	// S[T] to S[K] renames a type parameter in the text: a change, if a small one.
	if want := []string{"B.M", "S.G", "H"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("changed %v, want %v", got, want)
	}
}

func TestExerciseBlankKeepsDeclarationsAndDropsImportsLeftUnused(t *testing.T) {
	namer := newExImportNamer("toy/day2-more", t.TempDir())
	out, err := exBlank("toy/more.go", []byte(toyMore), []exTarget{
		{Name: "init", ID: "init"}, {Name: "Twice", ID: "Twice"}, {Name: "Split", ID: "Split"}, {Name: "Untested", ID: "Untested"},
	}, namer)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		"// Split cuts s at the first comma.\nfunc Split(s string) (head, tail string) {\n\tpanic(\"exercise: implement Split\")\n}",
		"func Twice(s string) string {\n\tpanic(\"exercise: implement Twice\")\n}",
		"func init() {\n\tpanic(\"exercise: implement init\")\n}",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("blanked file lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "import") || strings.Contains(s, "Repeat") {
		t.Errorf("imports or bodies survive:\n%s", s)
	}
	// One of two functions using strings blanked: the import stays.
	out, err = exBlank("toy/toy.go", []byte(toyDay2), []exTarget{{Recv: "B", Name: "Name", ID: "B.Name"}, {Name: "Describe", ID: "Describe"}}, namer)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); !strings.Contains(s, `"strings"`) || strings.Contains(s, `"fmt"`) || !strings.Contains(s, `return "a"`) {
		t.Errorf("want strings kept, fmt dropped, A.Name untouched:\n%s", s)
	}
	if _, err := exBlank("toy/toy.go", []byte(toyDay2), []exTarget{{Name: "Nope", ID: "Nope"}}, namer); err == nil {
		t.Error("blanking a function the file does not have is no error")
	}
}

func TestExerciseImportNamesFollowGoConventions(t *testing.T) {
	n := newExImportNamer("m", t.TempDir())
	for path, want := range map[string]string{
		"math/rand/v2": "rand", "github.com/mattn/go-sqlite3": "sqlite3", "gopkg.in/yaml.v3": "yaml",
		"net/http": "http", "google.golang.org/grpc/health/grpc_health_v1": "grpc_health_v1",
	} {
		if got := n.name(path); got != want {
			t.Errorf("name(%q) = %q, want %q", path, got, want)
		}
	}
}

func TestExerciseBlankedCopyBuildsAsItsOwnModuleAndIsVetClean(t *testing.T) {
	root := exToyRepo(t)
	ex, err := exLoad(root, "toy/day2-more")
	if err != nil {
		t.Fatal(err)
	}
	// The repo's go.work (if any) must not decide what the copy's module is: put one in the
	// toy root that lists the original chapter, as the real repo does.
	exWriteFiles(t, root, map[string]string{"go.work": "go 1.26\n\nuse ./toy/day2-more\n"})
	dst := filepath.Join(root, "exercises", "toy", "day2-more")
	if err := exWriteCopy(root, ex, dst, ex.Funcs); err != nil {
		t.Fatal(err)
	}
	if out, err := exGo(dst, exGoEnv(dst), "vet", "./..."); err != nil {
		t.Fatalf("go vet on the copy: %v\n%s", err, out)
	}
	// Inside the copy, without GOWORK set, the nearest go.work is the copy's own.
	cmd := exec.Command("go", "list", "-f", "{{.Dir}}", "toy/day2-more/toy")
	cmd.Dir = dst
	cmd.Env = append(os.Environ(), "GOWORK=")
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != filepath.Join(dst, "toy") {
		t.Fatalf("the copy's package resolves to %q (%v), want the copy", out, err)
	}
	if _, err := os.Stat(filepath.Join(dst, "toy", "testdata", "keep.me")); err != nil {
		t.Errorf("test data not copied: %v", err)
	}
}

func runExerciseIn(t *testing.T, root string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := runExercise(&env{root: root, stdout: &out, stderr: &errOut}, args)
	return out.String() + errOut.String(), err
}

func TestExerciseStartRefusesToOverwriteWithoutForce(t *testing.T) {
	root := exToyRepo(t)
	if out, err := runExerciseIn(t, root, "start", "toy/day2-more"); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	twice := filepath.Join(root, "exercises", "toy", "day2-more", "toy", "more.go")
	work := []byte("package toy\n\n// my work\n")
	if err := os.WriteFile(twice, work, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runExerciseIn(t, root, "start", "toy/day2-more")
	if err == nil || !strings.Contains(err.Error(), "-force") {
		t.Fatalf("second start: err %v, want a refusal naming -force\n%s", err, out)
	}
	if got, _ := os.ReadFile(twice); !bytes.Equal(got, work) {
		t.Fatal("a refused start changed the reader's file")
	}
	if out, err := runExerciseIn(t, root, "start", "toy/day2-more", "-force"); err != nil {
		t.Fatalf("start -force: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(twice); !bytes.Contains(got, []byte(`panic("exercise: implement Twice")`)) {
		t.Fatalf("start -force did not write a fresh copy:\n%s", got)
	}
}

func TestExerciseTaskListsFunctionsInPageOrderWithWhyAndCommands(t *testing.T) {
	root := exToyRepo(t)
	if out, err := runExerciseIn(t, root, "start", "toy/day2-more"); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	task, err := os.ReadFile(filepath.Join(root, "exercises", "toy", "day2-more", "TASK.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(task)
	last := -1
	for _, item := range []string{"1. `init` in toy/more.go", "2. `Split` in toy/more.go: Split cuts s at the first comma.",
		"3. `Twice`", "4. `B.Name`", "5. `Set.Has`", "6. `Untested`"} {
		i := strings.Index(s, item)
		if i < 0 || i < last {
			t.Fatalf("TASK.md lacks %q after the previous item:\n%s", item, s)
		}
		last = i
	}
	for _, want := range []string{"## What this step adds and why\n\nA second init, and the `Split` helper",
		"go run ./scripts/gee exercise check toy/day2-more", "go test -race ./..."} {
		if !strings.Contains(s, want) {
			t.Errorf("TASK.md lacks %q", want)
		}
	}
}

func TestExerciseResetOneFunctionKeepsTheRest(t *testing.T) {
	root := exToyRepo(t)
	if out, err := runExerciseIn(t, root, "start", "toy/day2-more"); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	more := filepath.Join(root, "exercises", "toy", "day2-more", "toy", "more.go")
	src, _ := os.ReadFile(more)
	// The reader writes Twice with an import of their own, and Split.
	mine := strings.NewReplacer(
		"package toy\n", "package toy\n\nimport \"unicode/utf8\"\n",
		"func Twice(s string) string {\n\tpanic(\"exercise: implement Twice\")\n}", "func Twice(s string) string {\n\t_ = utf8.RuneLen('x')\n\treturn s + s\n}",
		"\tpanic(\"exercise: implement Split\")\n", "\treturn s, \"mine\"\n",
	).Replace(string(src))
	if err := os.WriteFile(more, []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runExerciseIn(t, root, "reset", "toy/day2-more", "Twice")
	if err != nil {
		t.Fatalf("reset: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(more)
	s := string(got)
	if !strings.Contains(s, `panic("exercise: implement Twice")`) || !strings.Contains(s, `return s, "mine"`) {
		t.Fatalf("want Twice blank again and Split kept:\n%s", s)
	}
	if strings.Contains(s, "utf8") {
		t.Errorf("the import only the reset body used is left behind:\n%s", s)
	}
	if _, err := runExerciseIn(t, root, "reset", "toy/day2-more", "Upper"); err == nil {
		t.Error("resetting a function that is not part of the exercise is no error")
	}
}

func TestExerciseSolutionPrintsTheReferenceAndHintThePage(t *testing.T) {
	root := exToyRepo(t)
	out, err := runExerciseIn(t, root, "solution", "toy/day2-more", "Split")
	if err != nil {
		t.Fatal(err)
	}
	want := "// toy/day2-more/toy/more.go:14\n// Split cuts s at the first comma.\nfunc Split(s string) (head, tail string) {\n\thead, tail, _ = strings.Cut(s, \",\")\n\treturn\n}\n"
	if out != want {
		t.Fatalf("solution printed\n%s\nwant\n%s", out, want)
	}
	out, err = runExerciseIn(t, root, "hint", "toy/day2-more", "B.Name")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "`B.Name` now says bee") || strings.Contains(out, "Twice") || !strings.Contains(out, "Name names B.") {
		t.Fatalf("hint printed:\n%s", out)
	}
	if _, err := runExerciseIn(t, root, "hint", "toy/day2-more", "Upper"); err == nil {
		t.Error("a hint for a function outside the exercise is no error")
	}
}

func TestExerciseParseRunAttributesACrashToTheRunningTest(t *testing.T) {
	out := "=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n=== RUN   TestB/sub\n    x_test.go:3: hello\n" +
		"=== RUN   TestC\n--- FAIL: TestC (0.00s)\n    c_test.go:9: got 1\n=== RUN   TestD\n" +
		"panic: exercise: implement node.insert [recovered]\n"
	got, running := exParseRun(out)
	if !got["TestA"].Pass || got["TestC"].Pass || got["TestC"].Detail != "c_test.go:9: got 1" {
		t.Fatalf("results %+v", got)
	}
	if want := []string{"TestB", "TestD"}; !reflect.DeepEqual(running, want) {
		t.Fatalf("running at the crash %v, want %v", running, want)
	}
	if d := exCrashDetail(out, nil); d != "panic: exercise: implement node.insert" {
		t.Fatalf("crash detail %q", d)
	}
}

func TestExerciseCheckAuditAndWholeCopyCheckOnTheToy(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs test binaries")
	}
	root := exToyRepo(t)
	if out, err := runExerciseIn(t, root, "start", "toy/day2-more"); err != nil {
		t.Fatalf("start: %v\n%s", err, out)
	}
	out, err := runExerciseIn(t, root, "check", "toy/day2-more")
	if err == nil || !strings.Contains(err.Error(), "tests fail") {
		t.Fatalf("check on the blank copy: %v\n%s", err, out)
	}
	for _, want := range []string{`0 of 6 functions done`, `TODO  Split `, `TODO  init +still panics; it runs at start-up`, `TODO  Untested +still panics; no test runs it`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	// Write init and Split: their lines turn ok, the others wait.
	more := filepath.Join(root, "exercises", "toy", "day2-more", "toy", "more.go")
	src, _ := os.ReadFile(more)
	s := strings.NewReplacer(
		"func init() {\n\tpanic(\"exercise: implement init\")\n}", "func init() { Registered = append(Registered, \"two\") }",
		"\tpanic(\"exercise: implement Split\")\n", "\thead, tail, _ = strings.Cut(s, \",\")\n\treturn\n",
		"package toy\n", "package toy\n\nimport \"strings\"\n",
	).Replace(string(src))
	if err := os.WriteFile(more, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = runExerciseIn(t, root, "check", "toy/day2-more")
	if err == nil || !strings.Contains(err.Error(), "tests fail") {
		t.Fatalf("check with Twice still blank: %v\n%s", err, out)
	}
	for _, want := range []string{`2 of 6 functions done`, `ok    Split +1 test passes`, `ok    init +runs at start-up`, `TODO  Twice +still panics, blocking 1 test: TestTwice`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}

	doc := filepath.Join(root, "exercises.md")
	exWriteFiles(t, root, map[string]string{"exercises.md": "# Exercises\n\nprose\n\n" + exAuditStart + "\nold\n" + exAuditEnd + "\n\nmore prose\n"})
	out, err = runExerciseIn(t, root, "audit", "-md", doc, "toy/day2-more")
	if err == nil || !regexp.MustCompile(`Untested +GAP`).MatchString(out) || !regexp.MustCompile(`Split +TestSplit`).MatchString(out) {
		t.Fatalf("audit: err %v\n%s", err, out)
	}
	md, _ := os.ReadFile(doc)
	for _, want := range []string{"# Exercises\n\nprose\n\n" + exAuditStart + "\n1 exercise, 6 functions, 1 gap, 0 errors.\n\n- GAP toy/day2-more Untested",
		"### toy/day2-more: 6 functions, 1 gap\n\n| function | caught by |\n|---|---|\n| `init` | TestTwice |\n",
		"| `Untested` | GAP |\n" + exAuditEnd + "\n\nmore prose\n"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("audit doc lacks %q:\n%s", want, md)
		}
	}
	ex, err := exLoad(root, "toy/day2-more")
	if err != nil {
		t.Fatal(err)
	}
	caught, err := exWholeCopyCheck(root, ex)
	if err != nil || caught.Test == "" {
		t.Fatalf("whole-copy check: %+v, %v", caught, err)
	}
}

// TestExerciseOnARealChapterFailsThenPassesWithTheReferenceBodies takes a real chapter end to
// end: the blank copy fails its check, and copying the reference bodies (and imports) back
// makes it pass.
func TestExerciseOnARealChapterFailsThenPassesWithTheReferenceBodies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a chapter's tests with -race")
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ex, err := exLoad(root, "gee-cache/day1-lru")
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy")
	if err := exStart(root, ex, dst); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := exCheck(&out, root, ex, dst); err == nil {
		t.Fatalf("check passes on the blank copy:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "TODO") {
		t.Errorf("no TODO in:\n%s", out.String())
	}
	exRestoreReference(t, root, ex, dst)
	out.Reset()
	if err := exCheck(&out, root, ex, dst); err != nil {
		t.Fatalf("check fails with the reference bodies back: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "every test passes") {
		t.Errorf("check output:\n%s", out.String())
	}
}

// exRestoreReference puts the reference body of every blanked function back into the copy, and
// the reference's imports, as a reader who wrote the solution would.
func exRestoreReference(t *testing.T, root string, ex *exercise, dst string) {
	t.Helper()
	byFile := map[string][]exFunc{}
	for _, f := range ex.Funcs {
		byFile[f.File] = append(byFile[f.File], f)
	}
	for file, funcs := range byFile {
		ref, err := os.ReadFile(filepath.Join(root, ex.Src, file))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, file)
		cur, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, file, cur, 0)
		if err != nil {
			t.Fatal(err)
		}
		type splice struct {
			from, to int
			text     string
		}
		var splices []splice
		for _, fn := range funcs {
			decls, err := exFindDecls(f, []exTarget{exTargetOf(fn)})
			if err != nil {
				t.Fatal(err)
			}
			body := decls[exTargetOf(fn)].Body
			splices = append(splices, splice{fset.Position(body.Lbrace).Offset, fset.Position(body.Rbrace).Offset + 1,
				string(ref[fn.bodyFrom.Offset : fn.bodyTo.Offset+1])})
		}
		// The imports: the reference's block replaces the copy's, or goes after the package clause.
		imports := exImportText(t, ref)
		if from, to, ok := exImportRange(fset, f); ok {
			splices = append(splices, splice{from, to, imports})
		} else {
			at := fset.Position(f.Name.End()).Offset
			splices = append(splices, splice{at, at, "\n\n" + imports})
		}
		for i := range splices { // apply from the end
			for j := i + 1; j < len(splices); j++ {
				if splices[j].from > splices[i].from {
					splices[i], splices[j] = splices[j], splices[i]
				}
			}
		}
		for _, s := range splices {
			cur = append(cur[:s.from], append([]byte(s.text), cur[s.to:]...)...)
		}
		if err := os.WriteFile(p, cur, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func exImportRange(fset *token.FileSet, f *ast.File) (int, int, bool) {
	var from, to = -1, -1
	for _, d := range f.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			if from < 0 {
				from = fset.Position(gd.Pos()).Offset
			}
			to = fset.Position(gd.End()).Offset
		}
	}
	return from, to, from >= 0
}

func exImportText(t *testing.T, src []byte) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "ref.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if from, to, ok := exImportRange(fset, f); ok {
		return string(src[from:to])
	}
	return ""
}

func TestExerciseTaskLinksPointIntoTheCopyOrBackIntoTheRepo(t *testing.T) {
	text := "[trie.go](../../gee-web/day3-router/gee/trie.go#L3), [day2](day2-context.md), [site](https://go.dev), [top](#why)"
	got := exRelink(text, "docs/gee-web", "gee-web/day3-router", 3)
	want := "[trie.go](gee/trie.go#L3), [day2](../../../docs/gee-web/day2-context.md), [site](https://go.dev), [top](#why)"
	if got != want {
		t.Fatalf("relinked\n%s\nwant\n%s", got, want)
	}
}
