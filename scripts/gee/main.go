// Command gee is the chapter tool of the Gee monorepo: it lists the chapters, shows what a
// chapter adds to the one before it, runs a chapter's demo or tests, checks every chapter, runs
// the benchmarks, and takes a reader on a tour of every framework's final chapter.
//
//	go run ./scripts/gee list
//	go run ./scripts/gee diff [--code] [--stat] gee-web/day4-group
//	go run ./scripts/gee run gee-web/day3-router [args...]
//	go run ./scripts/gee test [gee-web | gee-web/day3-router]
//	go run ./scripts/gee check [-skip-tests] [gee-web | gee-web/day3-router]
//	go run ./scripts/gee tour [framework]
//	go run ./scripts/gee bench [-count n] [-benchtime d] [-md file] [framework]
//	go run ./scripts/gee exercise list|start|check|hint|solution|reset|audit ...
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// usageError is a mistake in the command line: exit code 2 and a one-line message.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// A verb is one sub-command.
type verb struct {
	name  string
	usage string
	run   func(env *env, args []string) error
}

// env is what every verb needs: where the repo is and where to write.
type env struct {
	root   string
	stdout io.Writer
	stderr io.Writer
}

var verbs = []verb{
	{"list", "list", runList},
	{"diff", "diff [--code] [--stat] <framework>/<chapter>", runDiff},
	{"run", "run <framework>/<chapter> [args...]", runRun},
	{"test", "test [<framework> | <framework>/<chapter>]", runTest},
	{"check", checkUsage, runCheck},
	{"tour", "tour [<framework>]", runTour},
	{"bench", "bench [-count n] [-benchtime d] [-md file] [<framework>]", runBench},
	{"exercise", "exercise list|start|check|hint|solution|reset|audit <framework>/<chapter> ... (see exercise help)", runExercise},
}

func verbNames() string {
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v.name
	}
	return strings.Join(names, ", ")
}

// findRoot finds the repo; tests point it at a folder of their own.
var findRoot = repoRoot

func main() {
	os.Exit(gee(os.Args[1:], os.Stdout, os.Stderr))
}

// gee runs one command line and returns the process exit code: 0 on success, 1 when the work
// failed (a test, a check, a tour answer), 2 when the command line itself is wrong.
func gee(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, "usage: go run ./scripts/gee <verb> [args]")
		for _, v := range verbs {
			fmt.Fprintln(stderr, "  gee "+v.usage)
		}
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	var chosen *verb
	for i := range verbs {
		if verbs[i].name == args[0] {
			chosen = &verbs[i]
		}
	}
	if chosen == nil {
		fmt.Fprintf(stderr, "gee: unknown verb %q; valid verbs: %s\n", args[0], verbNames())
		return 2
	}
	root, err := findRoot()
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	err = chosen.run(&env{root: root, stdout: stdout, stderr: stderr}, args[1:])
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "gee "+chosen.name+": "+ue.msg)
		return 2
	default:
		fmt.Fprintln(stderr, "gee "+chosen.name+": "+err.Error())
		return 1
	}
}

// chapterArg resolves the single chapter argument of diff and run.
func chapterArg(verbName string, args []string) (chapter, framework, int, error) {
	if len(args) == 0 {
		return chapter{}, framework{}, 0, usagef("missing chapter; valid chapters: %s", strings.Join(validTargets(false), ", "))
	}
	c, f, i, ok := findChapter(args[0])
	if !ok || c.Name == "" && verbName == "diff" {
		return chapter{}, framework{}, 0, usagef("unknown chapter %q; valid chapters: %s", args[0], strings.Join(validTargets(false), ", "))
	}
	return c, f, i, nil
}

func runList(e *env, args []string) error {
	if len(args) > 0 {
		return usagef("list takes no arguments")
	}
	for _, f := range frameworks {
		fmt.Fprintf(e.stdout, "%s: %s\n", f.Name, f.Title)
		for _, c := range f.Chapters {
			name := c.Name
			if name == "" {
				name = "(one module)"
			}
			fmt.Fprintf(e.stdout, "  %-24s %s\n", name, c.Title)
		}
	}
	return nil
}
