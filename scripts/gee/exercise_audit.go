package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The exercises are a check on the tests. gee check blanks every function of each exercise at
// once and requires a copy that compiles, passes go vet and fails its tests; the audit blanks
// one function at a time and requires at least one failing test for each, since a function
// whose blanking leaves every test green is a gap in the chapter's tests.

// exCaught is what stopped a blanked copy: the first failing test.
type exCaught struct {
	Pkg    string `json:"pkg"`  // package folder of the test, relative to the module root
	Test   string `json:"test"` // "" when no test failed: a gap
	Detail string `json:"detail,omitempty"`
	Error  string `json:"-"` // the audit could not judge (the blanked copy did not build): never cached
}

// exTestDeps returns, per test package, every package its test binary links: a function of
// package p can only make the tests of the packages that link p fail.
func exTestDeps(modDir string, env []string, patterns []string) (map[string]map[string]bool, error) {
	args := append([]string{"list", "-test", "-f", "{{.ImportPath}}\t{{join .Deps \" \"}}"}, patterns...)
	out, err := exGo(modDir, env, args...)
	if err != nil {
		return nil, fmt.Errorf("go list -test: %v\n%s", err, out)
	}
	deps := map[string]map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		imp, list, _ := strings.Cut(line, "\t")
		p, ok := strings.CutSuffix(imp, ".test")
		if !ok || strings.Contains(imp, " ") {
			continue // only the test main package lists everything the binary links
		}
		set := map[string]bool{p: true}
		for _, d := range strings.Fields(list) {
			set[d] = true
		}
		deps[p] = set
	}
	return deps, nil
}

// exOrderPkgs puts the test packages that can see dirs first (those holding the blanked
// functions), then the others that link them; packages that link none are left out.
func exOrderPkgs(pkgs []exTestPkg, deps map[string]map[string]bool, modPath string, dirs map[string]bool) []exTestPkg {
	var own, others []exTestPkg
	for _, p := range pkgs {
		switch {
		case dirs[p.Rel]:
			own = append(own, p)
		default:
			for d := range dirs {
				if deps[p.ImportPath][modPath+"/"+d] {
					others = append(others, p)
					break
				}
			}
		}
	}
	return append(own, others...)
}

// exFirstFailure builds and runs the test packages in order and stops at the first failing
// test. Builds are cached by the go command, so a package the change did not touch costs
// nothing to build again.
func exFirstFailure(modDir string, env []string, pkgs []exTestPkg, tmp string, timeout time.Duration) (exCaught, error) {
	for i, pkg := range pkgs {
		bin := filepath.Join(tmp, fmt.Sprintf("p%d.test", i))
		if err := exBuildTestBin(modDir, env, pkg, bin); err != nil {
			return exCaught{}, err
		}
		tests, err := exListTests(bin, pkg.Dir)
		if err != nil {
			return exCaught{}, err
		}
		results := exRunTests(bin, pkg.Dir, tests, exRunOpts{FailFast: true, Timeout: timeout})
		for _, t := range tests { // in the binary's order: the first failure is the catcher
			if r, ok := results[t]; ok && !r.Pass && !r.Skip {
				return exCaught{Pkg: pkg.Rel, Test: t, Detail: r.Detail}, nil
			}
		}
	}
	return exCaught{}, nil
}

// exWholeCopyCheck is gee check's test of one exercise: every function blanked at once, the
// copy compiles and is vet clean, and its tests fail.
func exWholeCopyCheck(root string, ex *exercise) (exCaught, error) {
	if len(ex.Funcs) == 0 {
		return exCaught{}, fmt.Errorf("changes no function against %s: there is nothing to write", ex.Prev)
	}
	tmp, err := os.MkdirTemp("", "gee-exercise-check-")
	if err != nil {
		return exCaught{}, err
	}
	defer os.RemoveAll(tmp)
	dst := filepath.Join(tmp, "copy")
	if err := exWriteCopy(root, ex, dst, ex.Funcs); err != nil {
		return exCaught{}, fmt.Errorf("blanking: %w", err)
	}
	env := exGoEnv(dst)
	if out, err := exGo(dst, env, append([]string{"vet"}, ex.Pkgs...)...); err != nil {
		if _, refErr := exGo(filepath.Join(root, ex.Src), os.Environ(), append([]string{"vet"}, ex.Pkgs...)...); refErr != nil {
			return exCaught{}, fmt.Errorf("%s itself fails go vet, so its exercise cannot be checked", ex.Src)
		}
		return exCaught{}, fmt.Errorf("the blanked copy fails go vet:\n%s", strings.TrimSpace(out))
	}
	pkgs, err := exListTestPkgs(dst, env, ex.Pkgs)
	if err != nil {
		return exCaught{}, err
	}
	deps, err := exTestDeps(dst, env, ex.Pkgs)
	if err != nil {
		return exCaught{}, err
	}
	dirs := map[string]bool{}
	for _, f := range ex.Funcs {
		dirs[f.Dir] = true
	}
	caught, err := exFirstFailure(dst, env, exOrderPkgs(pkgs, deps, ex.ModPath, dirs), tmp, time.Minute)
	if err != nil {
		return exCaught{}, err
	}
	if caught.Test == "" {
		return caught, errors.New("every test passes with all its functions blanked")
	}
	return caught, nil
}

// checkExerciseCopies is gee check's whole-copy check of every exercise.
func checkExerciseCopies(e *env) error { return checkExerciseCopiesOf(e, allChapters()) }

// checkExerciseCopiesOf is the whole-copy check of the exercises of some chapters; cluster-demo
// stands for all of its exercises.
func checkExerciseCopiesOf(e *env, chapters []chapter) error {
	var names []string
	for _, c := range chapters {
		if c.Name != "" {
			names = append(names, c.Path())
			continue
		}
		for _, ce := range clusterExercises {
			if c.Framework == "cluster-demo" {
				names = append(names, "cluster-demo/"+ce.Name)
			}
		}
	}
	fmt.Fprintf(e.stdout, "\nexercises: each copy with its functions blanked compiles, is vet clean and fails its tests\n")
	return exWholeCopyChecks(e, names)
}

// exWholeCopyChecks runs the whole-copy check of the named exercises.
func exWholeCopyChecks(e *env, names []string) error {
	start := time.Now()
	failed := 0
	for _, name := range names {
		t0 := time.Now()
		ex, err := exLoad(e.root, name)
		var caught exCaught
		if err == nil {
			caught, err = exWholeCopyCheck(e.root, ex)
		}
		if err != nil {
			failed++
			fmt.Fprintf(e.stdout, "FAIL exercise %s: %v\n", name, err)
			continue
		}
		fmt.Fprintf(e.stdout, "ok   exercise %-40s %12s, %s fails (%s)\n", name, exPlural(len(ex.Funcs), "function"),
			caught.Test, exRound(time.Since(t0)))
	}
	fmt.Fprintf(e.stdout, "%d exercises, %d failed, %s\n", len(names), failed, exRound(time.Since(start)))
	if failed > 0 {
		return fmt.Errorf("%d of %d exercise copies failed", failed, len(names))
	}
	return nil
}

func exRound(d time.Duration) time.Duration {
	if d > time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}

// exAuditCache keeps the audit's verdicts per function, valid for one version of the
// reference module, so that an interrupted audit goes on where it stopped.
type exAuditCache struct {
	Source  string              `json:"source"`
	Results map[string]exCaught `json:"results"`
}

func exAuditCachePath(root, name string) string {
	return filepath.Join(root, "exercises", ".audit", strings.ReplaceAll(name, "/", "__")+".json")
}

// exAuditTargets turns the audit's arguments into exercise names: all by default, a framework
// (cluster-demo included) or single exercises.
func exAuditTargets(args []string) ([]string, error) {
	all := exerciseNames()
	if len(args) == 0 {
		return all, nil
	}
	var out []string
	for _, a := range args {
		a = strings.TrimSuffix(strings.TrimPrefix(a, "./"), "/")
		n := 0
		for _, name := range all {
			if name == a || strings.HasPrefix(name, a+"/") {
				out = append(out, name)
				n++
			}
		}
		if n == 0 {
			return nil, usagef("unknown framework or exercise %q; valid ones: %s", a, strings.Join(all, ", "))
		}
	}
	return out, nil
}

// exAuditCmd blanks one function at a time and requires a failing test for each.
func exAuditCmd(e *env, args []string) error {
	flags, rest, err := exSplitFlags(args, map[string]bool{"fresh": false, "timeout": true, "whole": false, "md": true})
	if err != nil {
		return err
	}
	if _, whole := flags["whole"]; whole {
		names, err := exAuditTargets(rest)
		if err != nil {
			return err
		}
		return exWholeCopyChecks(e, names)
	}
	timeout := time.Minute
	if v, ok := flags["timeout"]; ok {
		if timeout, err = time.ParseDuration(v); err != nil || timeout <= 0 {
			return usagef("-timeout wants a duration such as 90s, not %q", v)
		}
	}
	_, fresh := flags["fresh"]
	names, err := exAuditTargets(rest)
	if err != nil {
		return err
	}
	start := time.Now()
	var gaps, problems []string
	var md strings.Builder
	total := 0
	for _, name := range names {
		ex, err := exLoad(e.root, name)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			fmt.Fprintf(e.stdout, "%s: ERROR %v\n\n", name, err)
			fmt.Fprintf(&md, "\n### %s: ERROR\n\n%v\n", name, err)
			continue
		}
		if len(ex.Funcs) == 0 {
			err = fmt.Errorf("changes no function against %s: there is nothing to write", ex.Prev)
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			fmt.Fprintf(e.stdout, "%s: ERROR %v\n\n", name, err)
			fmt.Fprintf(&md, "\n### %s: ERROR\n\n%v\n", name, err)
			continue
		}
		rows, err := exAudit(e.root, ex, fresh, timeout, e.stdout)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			fmt.Fprintf(e.stdout, "  ERROR %v\n\n", err)
			fmt.Fprintf(&md, "\n### %s: ERROR\n\n%v\n", name, err)
			continue
		}
		total += len(rows)
		n := 0
		for _, r := range rows {
			switch {
			case r.caught.Error != "":
				problems = append(problems, fmt.Sprintf("%s %s: %s", name, r.id, r.caught.Error))
			case r.caught.Test == "":
				gaps = append(gaps, name+" "+r.id)
				n++
			}
		}
		fmt.Fprintf(&md, "\n### %s: %s, %s\n\n| function | caught by |\n|---|---|\n", name, exPlural(len(rows), "function"), exPlural(n, "gap"))
		for i, r := range rows {
			fmt.Fprintf(&md, "| `%s` | %s |\n", r.id, exCatcherText(ex.Funcs[i], r.caught))
		}
	}
	summary := fmt.Sprintf("audit: %s, %s, %s, %s", exPlural(len(names), "exercise"), exPlural(total, "function"),
		exPlural(len(gaps), "gap"), exPlural(len(problems), "error"))
	fmt.Fprintf(e.stdout, "%s (%s)\n", summary, exRound(time.Since(start)))
	if file, ok := flags["md"]; ok {
		head := fmt.Sprintf("%s.\n", strings.TrimPrefix(summary, "audit: "))
		for _, g := range gaps {
			head += fmt.Sprintf("\n- GAP %s", g)
		}
		for _, p := range problems {
			head += fmt.Sprintf("\n- ERROR %s", exShorten(p, 200))
		}
		if err := exWriteAuditDoc(file, strings.TrimRight(head, "\n")+"\n"+md.String()); err != nil {
			return err
		}
	}
	for _, g := range gaps {
		fmt.Fprintf(e.stdout, "  GAP %s\n", g)
	}
	for _, p := range problems {
		fmt.Fprintf(e.stdout, "  ERROR %s\n", p)
	}
	if len(gaps) > 0 || len(problems) > 0 {
		return fmt.Errorf("%d gaps, %d errors", len(gaps), len(problems))
	}
	return nil
}

type exAuditRow struct {
	id     string
	caught exCaught
}

// exAudit audits one exercise in a work folder kept between runs (so the go command's build
// cache knows every package that the current function does not touch), printing a line per
// function as it goes.
func exAudit(root string, ex *exercise, fresh bool, timeout time.Duration, w io.Writer) ([]exAuditRow, error) {
	t0 := time.Now()
	hash, err := exTreeHash(filepath.Join(root, ex.Src))
	if err != nil {
		return nil, err
	}
	cachePath := exAuditCachePath(root, ex.Name)
	cache := &exAuditCache{Source: hash, Results: map[string]exCaught{}}
	if data, err := os.ReadFile(cachePath); err == nil && !fresh {
		var old exAuditCache
		if json.Unmarshal(data, &old) == nil && old.Source == hash && old.Results != nil {
			cache = &old
		}
	}
	fmt.Fprintf(w, "%s: %s\n", ex.Name, exPlural(len(ex.Funcs), "function"))
	work := filepath.Join(os.TempDir(), "gee-exercise-audit", filepath.FromSlash(ex.Name))
	if err := os.RemoveAll(work); err != nil {
		return nil, err
	}
	dst := filepath.Join(work, "copy")
	if err := exWriteCopy(root, ex, dst, nil); err != nil {
		return nil, err
	}
	bins := filepath.Join(work, "bin")
	if err := os.MkdirAll(bins, 0o755); err != nil {
		return nil, err
	}
	defer os.RemoveAll(bins)
	env := exGoEnv(dst)
	var pkgs []exTestPkg
	var deps map[string]map[string]bool
	namer := newExImportNamer(ex.ModPath, dst)
	var rows []exAuditRow
	gaps := 0
	for _, f := range ex.Funcs {
		c, done := cache.Results[f.ID]
		if !done {
			if pkgs == nil {
				if pkgs, err = exListTestPkgs(dst, env, ex.Pkgs); err != nil {
					return nil, err
				}
				if deps, err = exTestDeps(dst, env, ex.Pkgs); err != nil {
					return nil, err
				}
			}
			c, err = exAuditOne(dst, env, namer, f, exOrderPkgs(pkgs, deps, ex.ModPath, map[string]bool{f.Dir: true}), bins, timeout)
			if err != nil {
				c = exCaught{Error: exShorten(strings.ReplaceAll(err.Error(), "\n", " "), 300)}
			} else {
				cache.Results[f.ID] = c
				if err := exSaveAuditCache(cachePath, cache); err != nil {
					return nil, err
				}
			}
		}
		if c.Test == "" && c.Error == "" {
			gaps++
		}
		fmt.Fprintf(w, "  %-34s %s\n", f.ID, exCatcherText(f, c))
		rows = append(rows, exAuditRow{id: f.ID, caught: c})
	}
	fmt.Fprintf(w, "  -> %s, %s (%s)\n\n", exPlural(len(ex.Funcs), "function"), exPlural(gaps, "gap"), exRound(time.Since(t0)))
	return rows, nil
}

// exCatcherText is an audit verdict for people: the catching test (and its package when the
// test lives elsewhere), or GAP.
func exCatcherText(f exFunc, c exCaught) string {
	if c.Error != "" {
		return "ERROR " + c.Error
	}
	if c.Test == "" {
		return "GAP"
	}
	s := c.Test
	if c.Pkg != f.Dir {
		s += " (in ./" + strings.TrimPrefix(c.Pkg, "./") + ")"
	}
	return s
}

// exAuditOne blanks f alone, runs the tests that can see it, and puts the file back.
func exAuditOne(dst string, env []string, namer *exImportNamer, f exFunc, pkgs []exTestPkg, bins string, timeout time.Duration) (exCaught, error) {
	p := filepath.Join(dst, filepath.FromSlash(f.File))
	orig, err := os.ReadFile(p)
	if err != nil {
		return exCaught{}, err
	}
	blanked, err := exBlank(f.File, orig, []exTarget{exTargetOf(f)}, namer)
	if err != nil {
		return exCaught{}, err
	}
	if err := os.WriteFile(p, blanked, 0o644); err != nil {
		return exCaught{}, err
	}
	defer os.WriteFile(p, orig, 0o644)
	return exFirstFailure(dst, env, pkgs, bins, timeout)
}

func exSaveAuditCache(path string, c *exAuditCache) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// The audit's part of a doc page lies between these markers; the rest of the page is prose.
const (
	exAuditStart = "<!-- audit:start -->"
	exAuditEnd   = "<!-- audit:end -->"
)

// exWriteAuditDoc puts the audit's tables between the markers of file, or at its end.
func exWriteAuditDoc(file, generated string) error {
	old, err := os.ReadFile(file)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	text := string(old)
	block := exAuditStart + "\n" + strings.TrimSpace(generated) + "\n" + exAuditEnd
	i, j := strings.Index(text, exAuditStart), strings.Index(text, exAuditEnd)
	if i >= 0 && j > i {
		text = text[:i] + block + text[j+len(exAuditEnd):]
	} else {
		text = strings.TrimRight(text, "\n") + "\n\n" + block + "\n"
	}
	return os.WriteFile(file, []byte(text), 0o644)
}
