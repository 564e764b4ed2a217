package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// pageSections are the level-2 sections every chapter page has, in this order (issue 11).
// A page may leave out "Diagram" when no picture helps; "What changed" names the chapter before.
var pageSections = []string{
	"What this step adds and why",
	"Diagram",
	"The code",
	"Run it",
	"Test it",
	"Pitfalls",
	"What changed",
	"Take it as an exercise",
}

// A mdLine is one line of a Markdown file with what the fences around it make of it.
type mdLine struct {
	num    int    // 1-based
	text   string // without the newline
	fenced bool   // inside a fenced code block (the fence lines themselves included)
	info   string // on an opening fence: its info string ("mermaid", "sh")
	open   bool   // the line opens a fence
	close  bool   // the line closes a fence
}

var fenceLine = regexp.MustCompile("^ {0,3}(`{3,}|~{3,})(.*)$")

// scanMarkdown reads Markdown into lines and marks the fenced code blocks, so that a "## " or a
// "```mermaid" shown inside another code block is not taken for the real thing.
func scanMarkdown(text string) []mdLine {
	var lines []mdLine
	var fence string // the opening fence while inside a block
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	for n := 1; sc.Scan(); n++ {
		l := mdLine{num: n, text: sc.Text()}
		m := fenceLine.FindStringSubmatch(l.text)
		switch {
		case fence == "" && m != nil && !(m[1][0] == '`' && strings.Contains(m[2], "`")):
			fence = m[1]
			l.fenced, l.open, l.info = true, true, strings.TrimSpace(m[2])
		case fence != "":
			l.fenced = true
			if m != nil && m[1][0] == fence[0] && len(m[1]) >= len(fence) && strings.TrimSpace(m[2]) == "" {
				fence, l.close = "", true
			}
		}
		lines = append(lines, l)
	}
	return lines
}

// checkPageShape returns what is wrong with the headings of chapter c's page, or "".
func checkPageShape(c chapter, prev string, text string) string {
	var title string
	var got []string
	for _, l := range scanMarkdown(text) {
		if l.fenced {
			continue
		}
		if title == "" && strings.HasPrefix(l.text, "# ") {
			title = l.text
		}
		if strings.HasPrefix(l.text, "## ") {
			got = append(got, strings.TrimSpace(l.text[3:]))
		}
	}
	wantTitle := "# " + c.Framework + " " + c.Name + ": "
	if !strings.HasPrefix(title, wantTitle) || len(strings.TrimSpace(title)) <= len(wantTitle) {
		return fmt.Sprintf("title should read %q followed by a one-line title", wantTitle)
	}
	want := []string{}
	for _, s := range pageSections {
		if s == "Diagram" && !contains(got, "Diagram") {
			continue
		}
		want = append(want, s)
	}
	ok := len(got) == len(want)
	for i := 0; ok && i < len(want); i++ {
		if want[i] == "What changed" {
			ok = strings.HasPrefix(got[i], "What changed")
			if ok && prev != "" && got[i] != "What changed" {
				ok = got[i] == "What changed since "+prev || got[i] == "What changed since the previous chapter"
			}
		} else {
			ok = got[i] == want[i]
		}
	}
	if ok {
		return ""
	}
	return fmt.Sprintf("sections are %q; want %q", got, want)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A mermaidBlock is one ```mermaid block of a Markdown file.
type mermaidBlock struct {
	file string // relative to the repo root
	line int    // line of the opening fence
	text string
}

// findMermaidBlocks returns every Mermaid block of README.md and of the Markdown files in docs/.
func findMermaidBlocks(root string) ([]mermaidBlock, error) {
	files, err := markdownFiles(root)
	if err != nil {
		return nil, err
	}
	var blocks []mermaidBlock
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var cur *mermaidBlock
		for _, l := range scanMarkdown(string(data)) {
			switch {
			case l.open && (l.info == "mermaid" || strings.HasPrefix(l.info, "mermaid ")):
				cur = &mermaidBlock{file: f, line: l.num}
			case l.close && cur != nil:
				blocks = append(blocks, *cur)
				cur = nil
			case cur != nil:
				cur.text += l.text + "\n"
			}
		}
		if cur != nil {
			blocks = append(blocks, *cur) // a block left open runs to the end of the file
		}
	}
	return blocks, nil
}

// mermaidInstallHelp says how to get the renderer, for a machine that lacks it.
const mermaidInstallHelp = `install mermaid-cli to render them (Debian; .ci/run does the same):
    apt-get install chromium nodejs npm
    PUPPETEER_SKIP_DOWNLOAD=1 npm install -g @mermaid-js/mermaid-cli
  gee check then points mmdc at chromium itself`

// A mermaidRenderer renders Mermaid blocks with mermaid-cli (mmdc) and remembers, in the user's
// cache folder, each block that rendered with this version of mmdc, so a block is rendered once.
type mermaidRenderer struct {
	mmdc     string
	version  string
	workDir  string // scratch folder: the puppeteer config and the files mmdc reads and writes
	cacheDir string // "" when there is no cache folder
}

func newMermaidRenderer(mmdc string) (*mermaidRenderer, error) {
	out, err := exec.Command(mmdc, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --version: %v", mmdc, err)
	}
	work, err := os.MkdirTemp("", "gee-mermaid-")
	if err != nil {
		return nil, err
	}
	// Chromium refuses to start as root without --no-sandbox; Debian installs it as chromium.
	cfg := map[string]any{"args": []string{"--no-sandbox"}}
	if os.Getenv("PUPPETEER_EXECUTABLE_PATH") == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				cfg["executablePath"] = p
				break
			}
		}
	}
	data, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(work, "puppeteer.json"), data, 0o644); err != nil {
		return nil, err
	}
	r := &mermaidRenderer{mmdc: mmdc, version: strings.TrimSpace(string(out)), workDir: work}
	if dir, err := os.UserCacheDir(); err == nil {
		r.cacheDir = filepath.Join(dir, "gee", "mermaid-ok")
	}
	return r, nil
}

func (r *mermaidRenderer) close() { os.RemoveAll(r.workDir) }

func (r *mermaidRenderer) cacheKey(b mermaidBlock) string {
	sum := sha256.Sum256([]byte(r.version + "\x00" + b.text))
	return hex.EncodeToString(sum[:])
}

func (r *mermaidRenderer) known(b mermaidBlock) bool {
	return r.cacheDir != "" && fileExists(filepath.Join(r.cacheDir, r.cacheKey(b)))
}

func (r *mermaidRenderer) remember(b mermaidBlock) {
	if r.cacheDir == "" || os.MkdirAll(r.cacheDir, 0o755) != nil {
		return
	}
	os.WriteFile(filepath.Join(r.cacheDir, r.cacheKey(b)), []byte(b.file+"\n"), 0o644)
}

// render renders blocks in one mmdc run per failure: mmdc renders a Markdown file's blocks in
// order into <out>-1.svg, <out>-2.svg … and stops at the first that does not parse, so the number
// of pictures written names the block that failed. It returns one problem per failing block,
// "file:line: ...", and how many blocks it rendered (not counting those it already knew).
func (r *mermaidRenderer) render(blocks []mermaidBlock) (problems []string, rendered int, err error) {
	var todo []mermaidBlock
	for _, b := range blocks {
		if !r.known(b) {
			todo = append(todo, b)
		}
	}
	for len(todo) > 0 {
		outDir, err := os.MkdirTemp(r.workDir, "run")
		if err != nil {
			return nil, rendered, err
		}
		var md strings.Builder
		for _, b := range todo {
			fmt.Fprintf(&md, "```mermaid\n%s```\n\n", b.text)
		}
		in := filepath.Join(outDir, "blocks.md")
		if err := os.WriteFile(in, []byte(md.String()), 0o644); err != nil {
			return nil, rendered, err
		}
		out, runErr := r.runMMDC(in, filepath.Join(outDir, "out.md"))
		done := 0
		for done < len(todo) && fileExists(filepath.Join(outDir, fmt.Sprintf("out-%d.svg", done+1))) {
			done++
		}
		for _, b := range todo[:done] {
			r.remember(b)
		}
		rendered += done
		if runErr == nil && done == len(todo) {
			return problems, rendered, nil
		}
		if done == len(todo) {
			return nil, rendered, fmt.Errorf("mmdc failed after rendering every block: %v\n%s", runErr, out)
		}
		bad := todo[done]
		problems = append(problems, fmt.Sprintf("%s:%d: Mermaid block does not render: %s", bad.file, bad.line, mermaidError(out, bad.line)))
		todo = todo[done+1:]
	}
	return problems, rendered, nil
}

// runMMDC runs mmdc once on a Markdown file.
func (r *mermaidRenderer) runMMDC(in, out string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.mmdc, "-p", filepath.Join(r.workDir, "puppeteer.json"), "-i", in, "-o", out)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	return buf.String(), err
}

var parseErrorLine = regexp.MustCompile(`Parse error on line (\d+):`)

// mermaidError picks mmdc's message out of its output: the parse error with the text it points
// at, and the line of the Markdown file the parser's line number means.
func mermaidError(out string, fenceLine int) string {
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "Error:") {
			continue
		}
		msg := strings.TrimSpace(strings.TrimPrefix(l, "Error:"))
		if m := parseErrorLine.FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			msg = fmt.Sprintf("parse error on line %d of the block (line %d of the file)", n, fenceLine+n)
			if i+2 < len(lines) {
				msg += ":\n      " + lines[i+1] + "\n      " + lines[i+2]
			}
		}
		return msg
	}
	return firstLine(out)
}

var (
	inlineLink  = regexp.MustCompile(`\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)`)
	refLink     = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$`)
	codeSpan    = regexp.MustCompile("`+[^`]*`+")
	schemeStart = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// markdownFiles lists README.md and every Markdown file under docs/, relative to root.
func markdownFiles(root string) ([]string, error) {
	files := []string{}
	if fileExists(filepath.Join(root, "README.md")) {
		files = append(files, "README.md")
	}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".md") {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	return files, nil
}

// brokenLinks returns, for the Markdown files of README.md and docs/, every relative link whose
// file or folder does not exist, as "file:line: ...", and how many relative links it followed.
// Links to web pages and to anchors of the same page are not followed.
func brokenLinks(root string) (problems []string, followed int, err error) {
	files, err := markdownFiles(root)
	if err != nil {
		return nil, 0, err
	}
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			return nil, 0, err
		}
		for _, l := range scanMarkdown(string(data)) {
			if l.fenced {
				continue
			}
			text := codeSpan.ReplaceAllString(l.text, "")
			var targets []string
			for _, m := range inlineLink.FindAllStringSubmatch(text, -1) {
				targets = append(targets, m[1])
			}
			if m := refLink.FindStringSubmatch(text); m != nil {
				targets = append(targets, m[1])
			}
			for _, target := range targets {
				if schemeStart.MatchString(target) || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "//") {
					continue
				}
				if i := strings.IndexAny(target, "#?"); i >= 0 {
					target = target[:i]
				}
				if unescaped, err := url.PathUnescape(target); err == nil {
					target = unescaped
				}
				followed++
				path := filepath.Join(root, filepath.Dir(f), filepath.FromSlash(target))
				if strings.HasPrefix(target, "/") {
					path = filepath.Join(root, filepath.FromSlash(target))
				}
				if _, err := os.Stat(path); err != nil {
					problems = append(problems, fmt.Sprintf("%s:%d: link to %s: no such file", f, l.num, target))
				}
			}
		}
	}
	return problems, followed, nil
}
