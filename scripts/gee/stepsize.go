package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Size limits of a step (CONVENTIONS.md): against its predecessor, each of days 2-7 changes at
// most this many lines of framework code and of demo. day8-performance has no limit.
const (
	maxFrameworkLines = 250
	maxDemoLines      = 120
)

// stepSize is how many lines a chapter changes against its predecessor: + and - lines of a
// zero-context unified diff per Go file, with each chapter's own path read as one placeholder.
type stepSize struct {
	Framework int // .go files in subfolders, not tests, not generated (*.pb.go)
	Demo      int // .go files at the chapter root, not tests
}

var dayNumber = regexp.MustCompile(`^day(\d+)-`)

// chapterDay is the day number of a chapter folder ("day3-router" is 3), or 0.
func chapterDay(name string) int {
	m := dayNumber.FindStringSubmatch(name)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// sizeLimited says whether a chapter's step must stay within the limits: days 2 to 7.
func sizeLimited(c chapter) bool {
	d := chapterDay(c.Name)
	return d >= 2 && d <= 7
}

// measureStep counts the changed lines of the step from prevDir to curDir (relative to root).
// The rules are those of /work/shared/hooks/chapdiff.py, the project's independent measure, and
// the count is the same line for line: lines are aligned the way Python's difflib aligns them.
func measureStep(root, prevDir, curDir string) (stepSize, error) {
	oldFiles, err := readTree(filepath.Join(root, prevDir))
	if err != nil {
		return stepSize{}, err
	}
	newFiles, err := readTree(filepath.Join(root, curDir))
	if err != nil {
		return stepSize{}, err
	}
	var size stepSize
	count := func(name string) {
		if !strings.HasSuffix(name, ".go") {
			return
		}
		kind := classify(name)
		if kind != kindFramework && kind != kindDemo {
			return
		}
		a := placeholderLines(oldFiles[name], prevDir)
		b := placeholderLines(newFiles[name], curDir)
		n := changedLines(a, b)
		if kind == kindFramework {
			size.Framework += n
		} else {
			size.Demo += n
		}
	}
	for name := range oldFiles {
		count(name)
	}
	for name := range newFiles {
		if _, inOld := oldFiles[name]; !inOld {
			count(name)
		}
	}
	return size, nil
}

// placeholderLines is a file's text with the chapter's own path replaced by one placeholder,
// split into lines as Python reads a text file (universal newlines, then str.splitlines).
func placeholderLines(text []byte, chapterDir string) []string {
	s := strings.ReplaceAll(string(text), chapterDir, "CHAPTER")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return pySplitLines(s)
}

// pySplitLines splits like Python's str.splitlines: at every line boundary it knows, which are
// dropped, and with no empty last line for a trailing boundary.
func pySplitLines(s string) []string {
	var lines []string
	start := 0
	for i, r := range s {
		switch r {
		case '\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\u0085', '\u2028', '\u2029':
			lines = append(lines, s[start:i])
			start = i + len(string(r))
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// changedLines counts the + and - lines of a zero-context unified diff from a to b, as
// chapdiff.py does: difflib's alignment, and a content line that begins like a file header
// ("--" removed, "++" added) is not counted, because chapdiff.py skips those prefixes.
func changedLines(a, b []string) int {
	inA, inB := make([]bool, len(a)), make([]bool, len(b))
	for _, m := range matchingBlocks(a, b) {
		for k := 0; k < m.size; k++ {
			inA[m.a+k], inB[m.b+k] = true, true
		}
	}
	n := 0
	for i, l := range a {
		if !inA[i] && !strings.HasPrefix(l, "--") {
			n++
		}
	}
	for j, l := range b {
		if !inB[j] && !strings.HasPrefix(l, "++") {
			n++
		}
	}
	return n
}

// A match says a[a:a+size] equals b[b:b+size].
type match struct{ a, b, size int }

// matchingBlocks aligns a and b the way Python's difflib.SequenceMatcher(None, a, b) does: the
// longest matching run first (earliest in a, then in b), then the same on each side of it. As
// in difflib, lines of b that make up more than 1% of a b of 200 lines or more are "popular":
// they never start a match, they only extend one.
func matchingBlocks(a, b []string) []match {
	b2j := map[string][]int{}
	for j, l := range b {
		b2j[l] = append(b2j[l], j)
	}
	if n := len(b); n >= 200 {
		ntest := n/100 + 1
		for l, js := range b2j {
			if len(js) > ntest {
				delete(b2j, l)
			}
		}
	}
	longest := func(alo, ahi, blo, bhi int) match {
		best := match{alo, blo, 0}
		// j2len[j] is the length of the match ending at a[i-1] and b[j].
		j2len := map[int]int{}
		for i := alo; i < ahi; i++ {
			next := map[int]int{}
			for _, j := range b2j[a[i]] {
				if j < blo {
					continue
				}
				if j >= bhi {
					break
				}
				k := j2len[j-1] + 1
				next[j] = k
				if k > best.size {
					best = match{i - k + 1, j - k + 1, k}
				}
			}
			j2len = next
		}
		for best.a > alo && best.b > blo && a[best.a-1] == b[best.b-1] {
			best = match{best.a - 1, best.b - 1, best.size + 1}
		}
		for best.a+best.size < ahi && best.b+best.size < bhi && a[best.a+best.size] == b[best.b+best.size] {
			best.size++
		}
		return best
	}
	var blocks []match
	queue := [][4]int{{0, len(a), 0, len(b)}}
	for len(queue) > 0 {
		q := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		alo, ahi, blo, bhi := q[0], q[1], q[2], q[3]
		m := longest(alo, ahi, blo, bhi)
		if m.size == 0 {
			continue
		}
		blocks = append(blocks, m)
		if alo < m.a && blo < m.b {
			queue = append(queue, [4]int{alo, m.a, blo, m.b})
		}
		if m.a+m.size < ahi && m.b+m.size < bhi {
			queue = append(queue, [4]int{m.a + m.size, ahi, m.b + m.size, bhi})
		}
	}
	return blocks
}
