package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// chapterTargets turns the optional framework or chapter argument of test and check into chapters.
func chapterTargets(verbName string, args []string) ([]chapter, error) {
	if len(args) > 1 {
		return nil, usagef("%s takes at most one framework or chapter", verbName)
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
	chapters, err := chapterTargets("test", args)
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
