package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
)

// A fileKind says what part of a chapter a file belongs to. diff prints the kinds in this order,
// so that the step itself (the framework code) comes first and the tests come last.
type fileKind int

const (
	kindFramework fileKind = iota // Go code of the framework package: subfolders, not tests, not generated
	kindDemo                      // Go code at the chapter root, not tests: the demo
	kindOther                     // go.mod, go.sum, generated code, .proto, templates, static files
	kindTest                      // *_test.go and testdata
	numKinds
)

func (k fileKind) String() string {
	return [...]string{"framework", "demo", "other", "test"}[k]
}

// classify sorts a file by its slash-separated path inside the chapter. For Go files the rules
// are those of the size limit (and of /work/shared/hooks/chapdiff.py): generated code is not
// framework code, tests are tests wherever they are, and the chapter root holds the demo.
func classify(rel string) fileKind {
	switch {
	case strings.HasSuffix(rel, ".pb.go"):
		return kindOther
	case strings.HasSuffix(rel, "_test.go"):
		return kindTest
	case strings.HasSuffix(rel, ".go") && !strings.Contains(rel, "/"):
		return kindDemo
	case strings.HasSuffix(rel, ".go"):
		return kindFramework
	case strings.HasPrefix(rel, "testdata/") || strings.Contains(rel, "/testdata/"):
		return kindTest
	}
	return kindOther
}

// printRank orders files inside one kind: the demo's main.go and go.mod lead their groups, the
// rest follow by path.
func printRank(rel string) int {
	switch rel {
	case "main.go", "go.mod":
		return 0
	case "go.sum":
		return 1
	}
	return 2
}

// A fileDiff is one file that differs between two chapters.
type fileDiff struct {
	name         string // path inside the chapter, slash-separated
	kind         fileKind
	inOld, inNew bool
	binary       bool
	old, new     []string // lines as they stand in each chapter
	edits        []edit   // empty for binary files
}

// status ranks a file as new (0), changed (1) or removed (2).
func (d fileDiff) status() int {
	switch {
	case !d.inOld:
		return 0
	case d.inNew:
		return 1
	}
	return 2
}

func (d fileDiff) counts() (added, removed int) {
	for _, e := range d.edits {
		switch e.op {
		case '+':
			added++
		case '-':
			removed++
		}
	}
	return added, removed
}

// diffOptions are the flags of `gee diff`.
type diffOptions struct {
	code bool // only the framework package and the demo
	stat bool // one line per file instead of the hunks
}

// runDiff prints what a chapter adds to the previous one.
func runDiff(e *env, args []string) error {
	var opts diffOptions
	var rest []string
	for _, a := range args {
		switch a {
		case "--code", "-code":
			opts.code = true
		case "--stat", "-stat":
			opts.stat = true
		default:
			if strings.HasPrefix(a, "-") {
				return usagef("unknown flag %s; diff takes --code and --stat", a)
			}
			rest = append(rest, a)
		}
	}
	c, f, i, err := chapterArg("diff", rest)
	if err != nil {
		return err
	}
	if len(rest) > 1 {
		return usagef("diff takes one chapter")
	}
	if i == 0 {
		return usagef("%s is the first chapter of %s; there is nothing before it to compare with", c.Path(), f.Name)
	}
	prev := f.Chapters[i-1]
	diffs, err := compareChapters(e.root, prev.Path(), c.Path())
	if err != nil {
		return err
	}
	if opts.code {
		diffs = codeOnly(diffs)
	}
	if opts.stat {
		writeStat(e.stdout, diffs)
		return nil
	}
	writeDiffs(e.stdout, prev.Path(), c.Path(), diffs, opts.code)
	return nil
}

// diffChapters writes the unified diff from folder oldDir to folder newDir (both relative to root).
func diffChapters(w io.Writer, root, oldDir, newDir string) error {
	diffs, err := compareChapters(root, oldDir, newDir)
	if err != nil {
		return err
	}
	writeDiffs(w, oldDir, newDir, diffs, false)
	return nil
}

// compareChapters returns the files that differ between two chapter folders, framework code
// first, then the demo, then everything else, then the tests. Inside each group new files come
// first (a step's idea usually lives in a file of its own), then changed ones, then removed ones.
//
// Each chapter names itself in its go.mod and in its import paths; those names always differ and
// say nothing about the step, so there, and only there, the old chapter's name is read as the new
// one's before comparing. Every line shown is printed as it stands in its own chapter.
func compareChapters(root, oldDir, newDir string) ([]fileDiff, error) {
	oldFiles, err := readTree(filepath.Join(root, oldDir))
	if err != nil {
		return nil, err
	}
	newFiles, err := readTree(filepath.Join(root, newDir))
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for n := range oldFiles {
		names[n] = true
	}
	for n := range newFiles {
		names[n] = true
	}
	var diffs []fileDiff
	for name := range names {
		oldText, inOld := oldFiles[name]
		newText, inNew := newFiles[name]
		renamed := renameChapter(name, oldText, oldDir, newDir)
		if inOld && inNew && bytes.Equal(renamed, newText) {
			continue
		}
		d := fileDiff{name: name, kind: classify(name), inOld: inOld, inNew: inNew}
		if isBinary(oldText) || isBinary(newText) {
			d.binary = true
		} else {
			d.old, d.new = splitLines(string(oldText)), splitLines(string(newText))
			d.edits = lineEdits(splitLines(string(renamed)), d.new)
		}
		diffs = append(diffs, d)
	}
	sort.Slice(diffs, func(i, j int) bool {
		a, b := diffs[i], diffs[j]
		if a.kind != b.kind {
			return a.kind < b.kind
		}
		if ra, rb := printRank(a.name), printRank(b.name); ra != rb {
			return ra < rb
		}
		if sa, sb := a.status(), b.status(); sa != sb {
			return sa < sb
		}
		return a.name < b.name
	})
	return diffs, nil
}

// codeOnly keeps the framework package and the demo.
func codeOnly(diffs []fileDiff) []fileDiff {
	var code []fileDiff
	for _, d := range diffs {
		if d.kind == kindFramework || d.kind == kindDemo {
			code = append(code, d)
		}
	}
	return code
}

// writeDiffs prints the diffs as one unified diff.
func writeDiffs(w io.Writer, oldDir, newDir string, diffs []fileDiff, code bool) {
	if len(diffs) == 0 {
		if code {
			fmt.Fprintf(w, "%s and %s have the same framework code and demo\n", oldDir, newDir)
		} else {
			fmt.Fprintf(w, "%s and %s are the same apart from the chapter name\n", oldDir, newDir)
		}
		return
	}
	for _, d := range diffs {
		oldLabel, newLabel := oldDir+"/"+d.name, newDir+"/"+d.name
		if !d.inOld {
			oldLabel = "/dev/null"
		}
		if !d.inNew {
			newLabel = "/dev/null"
		}
		if d.binary {
			fmt.Fprintf(w, "Binary files %s and %s differ\n", oldLabel, newLabel)
			continue
		}
		fmt.Fprintf(w, "--- %s\n+++ %s\n", oldLabel, newLabel)
		writeHunks(w, d.old, d.new, d.edits, 3)
	}
}

// writeStat prints one line per file (lines added, lines removed, kind, path) and a total per kind.
func writeStat(w io.Writer, diffs []fileDiff) {
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 0, 2, ' ', 0)
	var added, removed, files [numKinds]int
	for _, d := range diffs {
		if d.binary {
			fmt.Fprintf(tw, "binary\t\t%s\t%s\n", d.kind, d.name)
			files[d.kind]++
			continue
		}
		a, r := d.counts()
		added[d.kind] += a
		removed[d.kind] += r
		files[d.kind]++
		fmt.Fprintf(tw, "+%d\t-%d\t%s\t%s\n", a, r, d.kind, d.name)
	}
	if len(diffs) > 0 {
		fmt.Fprintln(tw, "\t\t\t")
	}
	for k := fileKind(0); k < numKinds; k++ {
		if files[k] == 0 {
			continue
		}
		fmt.Fprintf(tw, "+%d\t-%d\t%s\ttotal of %s\n", added[k], removed[k], k, plural(files[k], "file"))
	}
	tw.Flush()
	for _, l := range splitLines(table.String()) {
		fmt.Fprintln(w, strings.TrimRight(l, " \n"))
	}
	if len(diffs) == 0 {
		fmt.Fprintln(w, "no changes apart from the chapter name")
	}
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// renameChapter reads the old chapter's name as the new one's where a chapter must name itself:
// the module line of go.mod, the import paths of Go files, and go_package in .proto files.
// Nothing else changes, so comments and strings that name a chapter are compared as written.
// Lines keep their number, so an edit of the renamed text is an edit of the original.
func renameChapter(name string, text []byte, oldDir, newDir string) []byte {
	if !bytes.Contains(text, []byte(oldDir)) {
		return text
	}
	lines := splitLines(string(text))
	replace := func(i int) {
		lines[i] = strings.ReplaceAll(lines[i], `"`+oldDir+`"`, `"`+newDir+`"`)
		lines[i] = strings.ReplaceAll(lines[i], `"`+oldDir+`/`, `"`+newDir+`/`)
	}
	switch {
	case path.Base(name) == "go.mod":
		for i, l := range lines {
			if f := strings.Fields(l); len(f) == 2 && f[0] == "module" && f[1] == oldDir {
				lines[i] = strings.Replace(l, oldDir, newDir, 1)
			}
		}
	case strings.HasSuffix(name, ".proto"):
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "option go_package") {
				replace(i)
			}
		}
	case strings.HasSuffix(name, ".go"):
		inBlock := false
		for i, l := range lines {
			switch {
			case inBlock:
				replace(i)
				if strings.HasPrefix(strings.TrimSpace(l), ")") {
					inBlock = false
				}
			case strings.HasPrefix(l, "import"):
				replace(i)
				rest := strings.TrimSpace(strings.TrimPrefix(l, "import"))
				inBlock = strings.HasPrefix(rest, "(") && !strings.Contains(rest, ")")
			case startsDecl(l):
				// Imports come before every other declaration; past this point an "import" at
				// the start of a line is text (a raw string), not an import.
				return []byte(strings.Join(lines, ""))
			}
		}
	}
	return []byte(strings.Join(lines, ""))
}

func startsDecl(l string) bool {
	for _, kw := range []string{"func", "type", "var", "const"} {
		if strings.HasPrefix(l, kw+" ") || strings.HasPrefix(l, kw+"(") {
			return true
		}
	}
	return false
}

// readTree reads every regular file below dir, keyed by its slash-separated relative path.
func readTree(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", dir, err)
	}
	return files, nil
}

func isBinary(b []byte) bool { return bytes.IndexByte(b, 0) >= 0 }

// splitLines splits s after each "\n"; every line keeps its newline but perhaps the last.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	lines := strings.SplitAfter(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// An edit is one line of a diff: ' ' kept, '-' removed, '+' added. a is the line's index in
// the old file (for ' ' and '-'), b its index in the new file (for ' ' and '+').
type edit struct {
	op   byte
	a, b int
}

// lineEdits computes a shortest edit script from a to b. The common head and tail are kept as
// they are; the middle is aligned by its longest common subsequence. Chapters are small, so the
// plain quadratic table is fast enough and easy to read.
func lineEdits(a, b []string) []edit {
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	var edits []edit
	for k := 0; k < head; k++ {
		edits = append(edits, edit{' ', k, k})
	}
	ma, mb := a[head:len(a)-tail], b[head:len(b)-tail]
	n, m := len(ma), len(mb)
	// lcs[i][j] is the length of the longest common subsequence of ma[i:] and mb[j:].
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if ma[i] == mb[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case ma[i] == mb[j]:
			edits = append(edits, edit{' ', head + i, head + j})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			edits = append(edits, edit{'-', head + i, -1})
			i++
		default:
			edits = append(edits, edit{'+', -1, head + j})
			j++
		}
	}
	for ; i < n; i++ {
		edits = append(edits, edit{'-', head + i, -1})
	}
	for ; j < m; j++ {
		edits = append(edits, edit{'+', -1, head + j})
	}
	for k := 0; k < tail; k++ {
		edits = append(edits, edit{' ', len(a) - tail + k, len(b) - tail + k})
	}
	return edits
}

// writeHunks prints edits (from old to new) as unified-diff hunks with ctx lines of context.
// Removed lines come from old and kept and added lines from new, each as its file has it.
func writeHunks(w io.Writer, old, new []string, edits []edit, ctx int) {
	for start := 0; start < len(edits); {
		// Find the next change; a hunk starts ctx lines before it.
		first := start
		for first < len(edits) && edits[first].op == ' ' {
			first++
		}
		if first == len(edits) {
			return
		}
		lo := max(first-ctx, start)
		// Extend the hunk while the gap to the next change is at most 2*ctx kept lines.
		hi := first
		for k := first; k < len(edits); k++ {
			if edits[k].op != ' ' {
				hi = k
			} else if k-hi > 2*ctx {
				break
			}
		}
		end := min(hi+ctx+1, len(edits))

		// Line numbers of the hunk in old and new (1-based), counted from the start of the file.
		aLine, bLine := 1, 1
		for _, e := range edits[:lo] {
			if e.op != '+' {
				aLine++
			}
			if e.op != '-' {
				bLine++
			}
		}
		aCount, bCount := 0, 0
		for _, e := range edits[lo:end] {
			if e.op != '+' {
				aCount++
			}
			if e.op != '-' {
				bCount++
			}
		}
		if aCount == 0 {
			aLine--
		}
		if bCount == 0 {
			bLine--
		}
		fmt.Fprintf(w, "@@ -%d,%d +%d,%d @@\n", aLine, aCount, bLine, bCount)
		for _, e := range edits[lo:end] {
			text := ""
			if e.op == '-' {
				text = old[e.a]
			} else {
				text = new[e.b]
			}
			fmt.Fprintf(w, "%c%s", e.op, text)
			if !strings.HasSuffix(text, "\n") {
				fmt.Fprint(w, "\n\\ No newline at end of file\n")
			}
		}
		start = end
	}
}
