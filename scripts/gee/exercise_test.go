package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
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

You write ` + "`Untested`, `Set.Has` and `Split`" + `. The tests check Split on "a,b".
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
	// init functions first (every test waits for them), then the page's order, then Untested,
	// which only the closing "Take it as an exercise" list names (a code block does not count;
	// that list does not move Set.Has, which the page explains earlier by its bare name). A.Name has the same
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
