package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Exercises (issue 16): every chapter becomes an exercise that its own tests grade. The
// exercise of a chapter is the set of functions and methods its framework packages add or
// change against the previous chapter (for a day1, all of them), found by comparing the two
// chapters' declarations with go/ast each time, so the list never goes stale. A copy of the
// chapter with those bodies replaced by a panic is what the reader fills in.
//
// Files: exercise.go (the verb, loading an exercise), exercise_funcs.go (parsing and the
// function diff), exercise_blank.go (blanking and the unused-import pass), exercise_copy.go
// (start, reset, the copy and its go.work, TASK.md), exercise_page.go (the doc page: order and
// hints), exercise_run.go (running test binaries), exercise_check.go (check and the
// test-to-function map), exercise_audit.go (audit and gee check's whole-copy check),
// exercise_cluster.go (cluster-demo's exercises).

const exerciseUsage = `usage:
  gee exercise list [<framework>]                       exercises and the functions each holds
  gee exercise start [-force] <exercise>                write the copy to exercises/<exercise>/
  gee exercise check <exercise>                         run its tests on the copy, per function
  gee exercise hint <exercise> <function>               what the chapter page says about it
  gee exercise solution <exercise> <function>           the reference body
  gee exercise reset <exercise> [<function>]            start over: the whole copy, or one function
  gee exercise audit [-fresh] [-timeout d] [-md file] [<framework> | <exercise>]...
                                                        blank one function at a time: a test must fail
  gee exercise audit -whole [<framework> | <exercise>]...
                                                        only gee check's test: all blanked, vet clean, tests fail
An exercise is a chapter (gee-web/day3-router) or a cluster-demo policy or limiter
(cluster-demo/balancer-fastest); gee exercise list names them all.`

// An exercise is what the reader writes: some functions of one module, graded by its tests.
type exercise struct {
	Name    string   // "gee-web/day3-router", "cluster-demo/balancer-fastest"
	Title   string   // one line
	Src     string   // the reference module's folder, relative to the repo root
	ModPath string   // its module path
	Prev    string   // the predecessor chapter's folder; "" for a day1 or a cluster-demo exercise
	Page    string   // the doc page, relative to the repo root
	Pkgs    []string // package patterns whose tests grade it, relative to the module root
	Topic   []string // for an exercise that is part of a page: what the page calls it
	Funcs   []exFunc // the functions to write, in the order the page explains them
}

// runExercise dispatches the exercise sub-commands.
func runExercise(e *env, args []string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(e.stderr, exerciseUsage)
		if len(args) == 0 {
			return usagef("missing sub-command")
		}
		return nil
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "list":
		return exList(e, rest)
	case "start":
		return exStartCmd(e, rest)
	case "check":
		return exCheckCmd(e, rest)
	case "hint", "solution":
		return exHintCmd(e, sub, rest)
	case "reset":
		return exResetCmd(e, rest)
	case "audit":
		return exAuditCmd(e, rest)
	}
	return usagef("unknown sub-command %q; valid ones: list, start, check, hint, solution, reset, audit", sub)
}

// exSplitFlags separates -flags (which may come anywhere) from the other arguments; flags
// that take a value name it in valued.
func exSplitFlags(args []string, valued map[string]bool) (flags map[string]string, rest []string, err error) {
	flags = map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, a)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if _, known := valued[name]; !known {
			return nil, nil, usagef("unknown flag %s", a)
		}
		if valued[name] && !hasVal {
			if i+1 >= len(args) {
				return nil, nil, usagef("flag %s needs a value", a)
			}
			i++
			val = args[i]
		}
		flags[name] = val
	}
	return flags, rest, nil
}

// exerciseNames lists every exercise, chapters first.
func exerciseNames() []string {
	names := validTargets(false)
	for _, ce := range clusterExercises {
		names = append(names, "cluster-demo/"+ce.Name)
	}
	return names
}

// exLoad resolves an exercise name and derives its functions from the code as it is now.
func exLoad(root, arg string) (*exercise, error) {
	arg = strings.TrimSuffix(strings.TrimPrefix(filepath.ToSlash(arg), "./"), "/")
	arg = strings.TrimPrefix(arg, "exercises/")
	if ce, ok := findClusterExercise(arg); ok {
		return ce.load(root)
	}
	c, f, i, ok := findChapter(arg)
	if !ok || c.Name == "" {
		return nil, usagef("unknown exercise %q; valid ones: %s", arg, strings.Join(exerciseNames(), ", "))
	}
	dir := filepath.Join(root, c.Path())
	mod, err := exModulePath(dir)
	if err != nil {
		return nil, err
	}
	ex := &exercise{Name: c.Path(), Title: c.Title, Src: c.Path(), ModPath: mod, Page: c.DocPath(), Pkgs: []string{"./..."}}
	cur, err := exChapterFuncs(dir, []string{mod, c.Name})
	if err != nil {
		return nil, err
	}
	ex.Funcs = cur
	if i > 0 {
		prev := f.Chapters[i-1]
		ex.Prev = prev.Path()
		prevDir := filepath.Join(root, prev.Path())
		prevMod, err := exModulePath(prevDir)
		if err != nil {
			return nil, err
		}
		old, err := exChapterFuncs(prevDir, []string{prevMod, prev.Name})
		if err != nil {
			return nil, err
		}
		ex.Funcs = exChangedFuncs(old, cur)
	}
	exAssignIDs(ex.Funcs)
	page, _ := os.ReadFile(filepath.Join(root, ex.Page))
	exPageOrder(string(page), ex.Funcs)
	return ex, nil
}

// exModulePath reads the module line of dir/go.mod.
func exModulePath(dir string) (string, error) {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`), nil
		}
	}
	return "", fmt.Errorf("%s/go.mod has no module line", dir)
}

// exFindFunc resolves the reader's name for a function: its ID, or any unambiguous shorter
// form (Recv.Name, Name).
func exFindFunc(ex *exercise, arg string) (exFunc, error) {
	var matches []exFunc
	for _, f := range ex.Funcs {
		if f.ID == arg {
			return f, nil
		}
		if f.baseID() == arg || f.qualified() == arg || f.Name == arg || "(*"+f.Recv+")."+f.Name == arg {
			matches = append(matches, f)
		}
	}
	if len(matches) == 1 {
		return matches[0], nil
	}
	ids := make([]string, len(ex.Funcs))
	for i, f := range ex.Funcs {
		ids[i] = f.ID
	}
	if len(matches) > 1 {
		return exFunc{}, usagef("%q is ambiguous in %s; name one of: %s", arg, ex.Name, strings.Join(ids, ", "))
	}
	return exFunc{}, usagef("%s has no function %q to write; its functions: %s", ex.Name, arg, strings.Join(ids, ", "))
}

// exList prints every exercise (or a framework's) with its functions.
func exList(e *env, args []string) error {
	if len(args) > 1 {
		return usagef("list takes at most one framework")
	}
	for _, name := range exerciseNames() {
		if len(args) == 1 && !strings.HasPrefix(name, strings.TrimSuffix(args[0], "/")+"/") && name != args[0] {
			continue
		}
		ex, err := exLoad(e.root, name)
		if err != nil {
			fmt.Fprintf(e.stdout, "%-40s ERROR %v\n", name, err)
			continue
		}
		ids := make([]string, len(ex.Funcs))
		for i, f := range ex.Funcs {
			ids[i] = f.ID
		}
		fmt.Fprintf(e.stdout, "%-40s %12s: %s\n", name, exPlural(len(ex.Funcs), "function"), strings.Join(ids, ", "))
	}
	return nil
}

// exHintCmd prints what the page says about a function (hint) or its reference code (solution).
func exHintCmd(e *env, sub string, args []string) error {
	if len(args) != 2 {
		return usagef("%s takes an exercise and a function: gee exercise %s gee-web/day3-router node.insert", sub, sub)
	}
	ex, err := exLoad(e.root, args[0])
	if err != nil {
		return err
	}
	f, err := exFindFunc(ex, args[1])
	if err != nil {
		return err
	}
	if sub == "solution" {
		fmt.Fprintf(e.stdout, "// %s/%s:%d\n%s\n", ex.Src, f.File, f.Line, f.src)
		return nil
	}
	page, err := os.ReadFile(filepath.Join(e.root, ex.Page))
	paras := exHintParas(string(page), f, ex.Topic)
	switch {
	case err != nil:
		fmt.Fprintf(e.stdout, "%s cannot be read (%v).\n", ex.Page, err)
	case len(paras) == 0:
		fmt.Fprintf(e.stdout, "%s does not mention %s.\n", ex.Page, f.ID)
	default:
		fmt.Fprintf(e.stdout, "What %s says about %s:\n", ex.Page, f.ID)
		heading := ""
		for _, p := range paras {
			if p.Heading != heading {
				heading = p.Heading
				fmt.Fprintf(e.stdout, "\n## %s\n", heading)
			}
			fmt.Fprintf(e.stdout, "\n%s\n", p.Text)
		}
	}
	if f.Doc != "" {
		fmt.Fprintf(e.stdout, "\nIts doc comment (%s:%d):\n%s", f.File, f.Line, exIndent(f.Doc, "  "))
	}
	return nil
}

func exIndent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}
