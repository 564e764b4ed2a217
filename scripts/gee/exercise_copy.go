package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// exStateFile, in the reader's copy, remembers what was blanked and, once worked out, which
// tests run each function.
const exStateFile = ".exercise.json"

type exState struct {
	Exercise  string        `json:"exercise"`
	Source    string        `json:"source"` // hash of the reference module when the copy was made
	Functions []exStateFunc `json:"functions"`
	// TestsFor maps a function ID to the tests that run it in the reference ("dir TestName"),
	// worked out at the first check for the reference of hash TestsOf.
	TestsFor map[string][]string `json:"tests_for,omitempty"`
	TestsOf  string              `json:"tests_of,omitempty"`
}

type exStateFunc struct {
	ID   string `json:"id"`
	File string `json:"file"`
	Recv string `json:"recv,omitempty"`
	Name string `json:"name"`
	Nth  int    `json:"nth,omitempty"`
}

func (s exStateFunc) target() exTarget {
	return exTarget{Recv: s.Recv, Name: s.Name, Nth: s.Nth, ID: s.ID}
}

// exCopyDir is where the reader's copy of an exercise lives.
func exCopyDir(root, name string) string {
	return filepath.Join(root, "exercises", filepath.FromSlash(name))
}

func exReadState(dir string) (*exState, error) {
	data, err := os.ReadFile(filepath.Join(dir, exStateFile))
	if err != nil {
		return nil, err
	}
	var s exState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, exStateFile), err)
	}
	return &s, nil
}

func exWriteState(dir string, s *exState) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, exStateFile), append(data, '\n'), 0o644)
}

// exStartCmd writes the reader's copy; it never overwrites one without -force.
func exStartCmd(e *env, args []string) error {
	flags, rest, err := exSplitFlags(args, map[string]bool{"force": false})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return usagef("start takes one exercise: gee exercise start gee-web/day3-router")
	}
	_, force := flags["force"]
	ex, err := exLoad(e.root, rest[0])
	if err != nil {
		return err
	}
	dst := exCopyDir(e.root, ex.Name)
	if entries, err := os.ReadDir(dst); err == nil && len(entries) > 0 && !force {
		return fmt.Errorf("exercises/%s already exists and may hold your work; grade it with `gee exercise check %s`, or overwrite it with `gee exercise start -force %s`", ex.Name, ex.Name, ex.Name)
	}
	if err := exStart(e.root, ex, dst); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote exercises/%s: %d functions to write, in this order (see TASK.md there):\n", ex.Name, len(ex.Funcs))
	for i, f := range ex.Funcs {
		fmt.Fprintf(e.stdout, "  %2d. %-32s %s:%d\n", i+1, f.ID, f.File, f.Line)
	}
	fmt.Fprintf(e.stdout, "next: go run ./scripts/gee exercise check %s\n", ex.Name)
	return nil
}

// exStart (re)writes the whole copy: blanked code, go.work, TASK.md and the state file.
func exStart(root string, ex *exercise, dst string) error {
	if len(ex.Funcs) == 0 {
		return fmt.Errorf("%s changes no function against %s: there is nothing to write", ex.Name, ex.Prev)
	}
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := exWriteCopy(root, ex, dst, ex.Funcs); err != nil {
		return err
	}
	hash, err := exTreeHash(filepath.Join(root, ex.Src))
	if err != nil {
		return err
	}
	st := &exState{Exercise: ex.Name, Source: hash}
	for _, f := range ex.Funcs {
		st.Functions = append(st.Functions, exStateFunc{ID: f.ID, File: f.File, Recv: f.Recv, Name: f.Name, Nth: f.Nth})
	}
	if err := exWriteState(dst, st); err != nil {
		return err
	}
	page, _ := os.ReadFile(filepath.Join(root, ex.Page))
	task := exTaskText(ex, string(page))
	return os.WriteFile(filepath.Join(dst, "TASK.md"), []byte(task), 0o644)
}

// exWriteCopy copies the exercise's module to dst with the bodies of blank replaced, and a
// go.work of its own: inside the repo the nearest go.work would otherwise be the repo's,
// which maps the copy's module path to the original chapter (or refuses a module it does not
// list). With its own go.work the copy builds as the module it is, wherever it lies.
func exWriteCopy(root string, ex *exercise, dst string, blank []exFunc) error {
	src := filepath.Join(root, ex.Src)
	if err := exCopyTree(src, dst); err != nil {
		return err
	}
	byFile := map[string][]exTarget{}
	for _, f := range blank {
		byFile[f.File] = append(byFile[f.File], exTargetOf(f))
	}
	namer := newExImportNamer(ex.ModPath, dst)
	for file, targets := range byFile {
		p := filepath.Join(dst, filepath.FromSlash(file))
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out, err := exBlank(file, data, targets, namer)
		if err != nil {
			return err
		}
		if err := os.WriteFile(p, out, 0o644); err != nil {
			return err
		}
	}
	return exWriteGoWork(root, dst)
}

// exWriteGoWork writes dst/go.work using only dst, with the repo's go version, and the repo's
// go.work.sum so that checksums known to the workspace are known to the copy too.
func exWriteGoWork(root, dst string) error {
	version := "1.26"
	if data, err := os.ReadFile(filepath.Join(root, "go.work")); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "go "); ok {
				version = strings.TrimSpace(v)
				break
			}
		}
	}
	if sum, err := os.ReadFile(filepath.Join(root, "go.work.sum")); err == nil {
		if err := os.WriteFile(filepath.Join(dst, "go.work.sum"), sum, 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dst, "go.work"), []byte("go "+version+"\n\nuse .\n"), 0o644)
}

// exGoEnv is the environment for go commands on a copy: its own go.work, whatever the caller's.
func exGoEnv(dst string) []string {
	return append(os.Environ(), "GOWORK="+filepath.Join(dst, "go.work"))
}

// exCopyTree copies the regular files below src to dst, leaving out hidden folders and build
// outputs.
func exCopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != src && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() || exBuildOutput(d.Name()) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, info.Mode().Perm())
	})
}

func exBuildOutput(name string) bool {
	for _, suffix := range []string{".test", ".prof", ".out", ".db"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// exTreeHash fingerprints a module's files, so that work done on one version of a chapter
// (the test map, audit results) is not reused for another.
func exTreeHash(dir string) (string, error) {
	h := sha256.New()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != dir && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() && !exBuildOutput(d.Name()) {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			return "", err
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// exResetCmd starts over: the whole copy, or one function back to its panic.
func exResetCmd(e *env, args []string) error {
	if len(args) < 1 || len(args) > 2 {
		return usagef("reset takes an exercise and optionally one function: gee exercise reset gee-web/day3-router [node.insert]")
	}
	ex, err := exLoad(e.root, args[0])
	if err != nil {
		return err
	}
	dst := exCopyDir(e.root, ex.Name)
	st, err := exReadState(dst)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("there is no copy of %s yet; make one with `gee exercise start %s`", ex.Name, ex.Name)
	}
	if err != nil {
		return err
	}
	if len(args) == 1 {
		if err := exStart(e.root, ex, dst); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "exercises/%s is a fresh copy again: %d functions to write\n", ex.Name, len(ex.Funcs))
		return nil
	}
	sf, err := exFindStateFunc(st, args[1])
	if err != nil {
		return err
	}
	if err := exResetFunc(ex.ModPath, dst, sf); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s in exercises/%s/%s panics again, waiting for you\n", sf.ID, ex.Name, sf.File)
	return nil
}

// exResetFunc blanks one function of the reader's copy again, leaving the rest of their work.
func exResetFunc(modPath, dst string, sf exStateFunc) error {
	p := filepath.Join(dst, filepath.FromSlash(sf.File))
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	out, err := exBlank(sf.File, data, []exTarget{sf.target()}, newExImportNamer(modPath, dst))
	if err != nil {
		return fmt.Errorf("%w (if the file does not parse, fix it or reset the whole exercise)", err)
	}
	return os.WriteFile(p, out, 0o644)
}

// exFindStateFunc resolves a function name against what the copy blanked.
func exFindStateFunc(st *exState, arg string) (exStateFunc, error) {
	var matches []exStateFunc
	ids := make([]string, len(st.Functions))
	for i, f := range st.Functions {
		ids[i] = f.ID
		if f.ID == arg {
			return f, nil
		}
		q := f.Name
		if f.Recv != "" {
			q = f.Recv + "." + f.Name
		}
		if q == arg || f.Name == arg || strings.HasSuffix(f.ID, "."+arg) {
			matches = append(matches, f)
		}
	}
	if len(matches) == 1 {
		return matches[0], nil
	}
	return exStateFunc{}, usagef("%q names none (or several) of the functions of %s: %s", arg, st.Exercise, strings.Join(ids, ", "))
}

// exTaskText is the copy's TASK.md: why the step exists (from the page), what to write in
// the page's order, and the commands.
func exTaskText(ex *exercise, page string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Exercise: %s\n\n%s.\n\n", ex.Name, strings.TrimSuffix(ex.Title, "."))
	depth := strings.Count(ex.Name, "/") + 2 // exercises/<name>/ below the repo root
	if why := exPageSection(page, "What this step adds"); why != "" {
		fmt.Fprintf(&b, "## What this step adds and why\n\n%s\n\n", exRelink(why, path.Dir(ex.Page), ex.Src, depth))
	} else if paras := exTopicParas(page, ex.Topic); len(paras) > 0 {
		b.WriteString("## What the page says about it\n\n")
		for _, p := range paras {
			fmt.Fprintf(&b, "%s\n\n", exRelink(p.Text, path.Dir(ex.Page), ex.Src, depth))
		}
	}
	fmt.Fprintf(&b, "The chapter page: %s (from the repository root).\n\n", ex.Page)
	b.WriteString("## What you write\n\n")
	fmt.Fprintf(&b, "Each function below now panics with `%s<name>`. Write its body; the\n", exPanicPrefix)
	b.WriteString("signatures, types, doc comments, the demo and the tests are the chapter's own.\n")
	b.WriteString("Imports that only the removed bodies used are gone too: add back what your code\n")
	b.WriteString("needs (gopls and goimports do it for you).\n")
	b.WriteString("In the order the chapter page explains them:\n\n")
	for i, f := range ex.Funcs {
		fmt.Fprintf(&b, "%d. `%s` in %s", i+1, f.ID, f.File)
		if first := exFirstSentence(f.Doc); first != "" {
			fmt.Fprintf(&b, ": %s", first)
		}
		b.WriteString("\n")
	}
	if take := exPageSection(page, "Take it as an exercise"); take != "" {
		fmt.Fprintf(&b, "\n## From the chapter page: taking it as an exercise\n\n%s\n", exRelink(take, path.Dir(ex.Page), ex.Src, depth))
	}
	fmt.Fprintf(&b, `
## Commands

From the repository root:

    go run ./scripts/gee exercise check %[1]s                # run the tests, per function
    go run ./scripts/gee exercise hint %[1]s <function>      # what the page says about it
    go run ./scripts/gee exercise solution %[1]s <function>  # the reference body
    go run ./scripts/gee exercise reset %[1]s [<function>]   # start over

Or in this folder, which has a go.work of its own so that its module is this copy:

    go test -race %[2]s
`, ex.Name, strings.Join(ex.Pkgs, " "))
	return b.String()
}

func exFirstSentence(doc string) string {
	s := strings.Join(strings.Fields(doc), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i+1]
	}
	return s
}

var exMarkdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// exRelink rewrites the page's relative links for TASK.md: a link into the chapter's own folder
// points into the copy, any other one back into the repo.
func exRelink(text, pageDir, src string, depth int) string {
	up := strings.Repeat("../", depth)
	return exMarkdownLink.ReplaceAllStringFunc(text, func(m string) string {
		target := m[2 : len(m)-1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") || strings.HasPrefix(target, "/") {
			return m
		}
		frag := ""
		if i := strings.IndexByte(target, '#'); i >= 0 {
			target, frag = target[:i], target[i:]
		}
		rel := path.Clean(path.Join(pageDir, target))
		if rel == src {
			return "](." + frag + ")"
		}
		if r, ok := strings.CutPrefix(rel, src+"/"); ok {
			return "](" + r + frag + ")"
		}
		return "](" + up + rel + frag + ")"
	})
}
