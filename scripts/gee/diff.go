package main

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// runDiff prints what a chapter adds to the previous one as a unified diff of the two folders.
func runDiff(e *env, args []string) error {
	c, f, i, err := chapterArg("diff", args)
	if err != nil {
		return err
	}
	if len(args) > 1 {
		return usagef("diff takes one chapter")
	}
	if i == 0 {
		return usagef("%s is the first chapter of %s; there is nothing before it to compare with", c.Path(), f.Name)
	}
	prev := f.Chapters[i-1]
	return diffChapters(e.stdout, e.root, prev.Path(), c.Path())
}

// diffChapters writes a unified diff from folder oldDir to folder newDir (both relative to root).
// The only difference every pair of chapters has is the chapter's own name in the module line
// and in import paths; that is noise, so the old folder's name is read as the new one's before
// comparing, and a line that differs only by it is not shown.
func diffChapters(w io.Writer, root, oldDir, newDir string) error {
	oldFiles, err := readTree(filepath.Join(root, oldDir))
	if err != nil {
		return err
	}
	newFiles, err := readTree(filepath.Join(root, newDir))
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for n := range oldFiles {
		names[n] = true
	}
	for n := range newFiles {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)

	changed := 0
	for _, name := range sorted {
		oldText, inOld := oldFiles[name]
		newText, inNew := newFiles[name]
		oldText = bytes.ReplaceAll(oldText, []byte(oldDir), []byte(newDir))
		if inOld && inNew && bytes.Equal(oldText, newText) {
			continue
		}
		changed++
		oldLabel, newLabel := oldDir+"/"+name, newDir+"/"+name
		if !inOld {
			oldLabel = "/dev/null"
		}
		if !inNew {
			newLabel = "/dev/null"
		}
		if isBinary(oldText) || isBinary(newText) {
			fmt.Fprintf(w, "Binary files %s and %s differ\n", oldLabel, newLabel)
			continue
		}
		fmt.Fprintf(w, "--- %s\n+++ %s\n", oldLabel, newLabel)
		writeHunks(w, splitLines(string(oldText)), splitLines(string(newText)), 3)
	}
	if changed == 0 {
		fmt.Fprintf(w, "%s and %s are the same apart from the chapter name\n", oldDir, newDir)
	}
	return nil
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

// An edit is one line of a diff: ' ' kept, '-' removed, '+' added.
type edit struct {
	op   byte
	text string
}

// lineEdits computes a shortest edit script between a and b from their longest common
// subsequence. Chapters are small, so the plain quadratic table is fast enough and easy to read.
func lineEdits(a, b []string) []edit {
	n, m := len(a), len(b)
	// lcs[i][j] is the length of the longest common subsequence of a[i:] and b[j:].
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var edits []edit
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			edits = append(edits, edit{' ', a[i]})
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			edits = append(edits, edit{'-', a[i]})
			i++
		default:
			edits = append(edits, edit{'+', b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		edits = append(edits, edit{'-', a[i]})
	}
	for ; j < m; j++ {
		edits = append(edits, edit{'+', b[j]})
	}
	return edits
}

// writeHunks prints the edits between a and b as unified-diff hunks with ctx lines of context.
func writeHunks(w io.Writer, a, b []string, ctx int) {
	edits := lineEdits(a, b)
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

		// Line numbers of the hunk in a and b (1-based), counted from the start of the file.
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
			text := e.text
			fmt.Fprintf(w, "%c%s", e.op, text)
			if !strings.HasSuffix(text, "\n") {
				fmt.Fprint(w, "\n\\ No newline at end of file\n")
			}
		}
		start = end
	}
}
