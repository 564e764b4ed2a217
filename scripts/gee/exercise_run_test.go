package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

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
