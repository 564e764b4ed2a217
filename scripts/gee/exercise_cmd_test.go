package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
		"go run ./scripts/gee exercise check toy/day2-more", "go test -race ./...",
		"## From the chapter page: taking it as an exercise\n\nYou write `Untested`, `Set.Has` and `Split`. The tests check Split on \"a,b\"."} {
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

func TestExerciseTaskLinksPointIntoTheCopyOrBackIntoTheRepo(t *testing.T) {
	text := "[trie.go](../../gee-web/day3-router/gee/trie.go#L3), [day2](day2-context.md), [site](https://go.dev), [top](#why)"
	got := exRelink(text, "docs/gee-web", "gee-web/day3-router", 3)
	want := "[trie.go](gee/trie.go#L3), [day2](../../../docs/gee-web/day2-context.md), [site](https://go.dev), [top](#why)"
	if got != want {
		t.Fatalf("relinked\n%s\nwant\n%s", got, want)
	}
}
