package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// A tour part drives one framework's final-chapter demo. Each framework registers its part from
// an init function in tour_<framework>.go; the tour runs them in the order of the chapter map.
type tourPart struct {
	framework string
	run       func(t *Tour) error
}

var tourParts []tourPart

// registerTour adds a framework's part to the tour.
func registerTour(framework string, run func(t *Tour) error) {
	tourParts = append(tourParts, tourPart{framework, run})
}

func orderedTourParts() []tourPart {
	rank := map[string]int{}
	for i, f := range frameworks {
		rank[f.Name] = i
	}
	parts := append([]tourPart(nil), tourParts...)
	sort.SliceStable(parts, func(i, j int) bool { return rank[parts[i].framework] < rank[parts[j].framework] })
	return parts
}

// runTour runs every part, or the one named, and fails if any check failed.
func runTour(e *env, args []string) error {
	parts := orderedTourParts()
	if len(args) > 1 {
		return usagef("tour takes at most one framework")
	}
	if len(args) == 1 {
		var names []string
		var chosen []tourPart
		for _, p := range parts {
			names = append(names, p.framework)
			if p.framework == strings.TrimSuffix(args[0], "/") {
				chosen = append(chosen, p)
			}
		}
		if len(chosen) == 0 {
			return usagef("no tour for %q; valid ones: %s", args[0], strings.Join(names, ", "))
		}
		parts = chosen
	}
	if len(parts) == 0 {
		return errors.New("no tour parts are registered")
	}

	// Stop what the tour started when the reader presses Ctrl-C.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	type summary struct {
		name           string
		checks, failed int
		err            error
	}
	var sums []summary
	for _, p := range parts {
		t, err := newTour(ctx, e.root, e.stdout)
		if err != nil {
			return err
		}
		t.heading(p.framework)
		err = p.run(t)
		if err != nil {
			t.printf("  ✘ %s part stopped: %v\n", p.framework, err)
			t.failed++
		}
		t.close()
		sums = append(sums, summary{p.framework, t.checks, t.failed, err})
		if ctx.Err() != nil {
			break
		}
	}

	fmt.Fprintln(e.stdout, "\n══ tour summary")
	failed := 0
	for _, s := range sums {
		status := "ok"
		if s.failed > 0 {
			status = "FAILED"
			failed++
		}
		fmt.Fprintf(e.stdout, "  %-14s %3d checks, %d failed  %s\n", s.name, s.checks, s.failed, status)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d tour parts failed", failed, len(sums))
	}
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	return nil
}

// A Tour is the harness a part uses: it builds demos, starts and stops processes, makes HTTP
// requests, and prints everything as a readable transcript while counting checks.
type Tour struct {
	ctx    context.Context
	root   string
	tmp    string
	out    io.Writer
	outMu  sync.Mutex
	procs  []*Proc
	built  map[string]string
	checks int
	failed int
	client *http.Client
}

func newTour(ctx context.Context, root string, out io.Writer) (*Tour, error) {
	tmp, err := os.MkdirTemp("", "gee-tour-")
	if err != nil {
		return nil, err
	}
	return &Tour{
		ctx: ctx, root: root, tmp: tmp, out: out, built: map[string]string{},
		client: &http.Client{Timeout: 15 * time.Second},
	}, nil
}

// close stops every process the part left running and removes the scratch folder.
func (t *Tour) close() {
	for i := len(t.procs) - 1; i >= 0; i-- {
		t.procs[i].Stop()
	}
	os.RemoveAll(t.tmp)
}

func (t *Tour) printf(format string, args ...any) {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	fmt.Fprintf(t.out, format, args...)
}

func (t *Tour) heading(name string) {
	t.printf("\n══ %s %s\n", name, strings.Repeat("═", max(0, 60-len(name))))
}

// Root is the repo root; commands run there.
func (t *Tour) Root() string { return t.root }

// TempDir is a scratch folder that is removed when the part ends.
func (t *Tour) TempDir() string { return t.tmp }

// Context is cancelled when the reader interrupts the tour.
func (t *Tour) Context() context.Context { return t.ctx }

// Say prints a line of narrative.
func (t *Tour) Say(format string, args ...any) {
	t.printf("\n# "+format+"\n", args...)
}

// FreeAddr returns a loopback address with a port that was free a moment ago. A demo that is
// told to listen there will normally get it; demos that can, listen on :0 and print their port.
func (t *Tour) FreeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("tour: no free loopback port: %v", err))
	}
	defer l.Close()
	return l.Addr().String()
}

// FinalChapter is the folder of a framework's last chapter, the one the tour runs
// ("gee-web/day8-performance"), read from the chapter map so that a part never names a chapter
// that a new last chapter has replaced. It panics on a framework the map does not have.
func (t *Tour) FinalChapter(framework string) string {
	f, ok := findFramework(framework)
	if !ok || len(f.Chapters) == 0 {
		panic(fmt.Sprintf("tour: no framework %q in the chapter map", framework))
	}
	return f.Chapters[len(f.Chapters)-1].Path()
}

// Build compiles the main package at pkg (a folder relative to the repo root) and returns the
// path of the binary. Building once and starting the binary means the processes the tour stops
// are the demos themselves, not a `go run` wrapper. pkg may also be a program of the tour's own
// in the scripts module (scripts/...): go.work puts every chapter in the build, so such a
// program imports a chapter's packages without a require line.
func (t *Tour) Build(pkg string) (string, error) {
	pkg = strings.TrimSuffix(strings.TrimPrefix(pkg, "./"), "/")
	if bin, ok := t.built[pkg]; ok {
		return bin, nil
	}
	bin := filepath.Join(t.tmp, "bin", strings.ReplaceAll(pkg, "/", "_"))
	t.printf("  building %s\n", pkg)
	out, err := goCmd(t.root, "build", "-o", bin, "./"+pkg)
	if err != nil {
		return "", fmt.Errorf("building %s: %v\n%s", pkg, err, out)
	}
	t.built[pkg] = bin
	return bin, nil
}

// A Proc is a process the tour started. Its output is kept and shown with its name as prefix.
type Proc struct {
	name string
	cmd  *exec.Cmd
	tour *Tour

	mu      sync.Mutex
	out     bytes.Buffer
	changed chan struct{} // closed and replaced whenever output arrives or the process exits
	exited  bool
	exitErr error
	done    chan struct{}
}

// Start runs bin with args in the repo root and returns at once. The process is stopped when
// the part ends if it is still running.
func (t *Tour) Start(name, bin string, args ...string) (*Proc, error) {
	cmd := exec.CommandContext(t.ctx, bin, args...)
	cmd.Dir = t.root
	p := &Proc{name: name, cmd: cmd, tour: t, changed: make(chan struct{}), done: make(chan struct{})}
	cmd.Stdout = p
	cmd.Stderr = p
	cmd.WaitDelay = 5 * time.Second
	t.printf("  $ %s %s   [started as %q]\n", filepath.Base(bin), strings.Join(args, " "), name)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	t.procs = append(t.procs, p)
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.exited, p.exitErr = true, err
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
		close(p.done)
	}()
	return p, nil
}

// Write collects the process's output; it makes Proc an io.Writer for exec.Cmd.
func (p *Proc) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out.Write(b)
	close(p.changed)
	p.changed = make(chan struct{})
	return len(b), nil
}

// Output is everything the process printed so far.
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// WaitFor blocks until the process has printed substr, and fails if it exits first or the
// timeout passes. It waits on the output itself, never on a guessed sleep.
func (p *Proc) WaitFor(substr string, timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		p.mu.Lock()
		found := strings.Contains(p.out.String(), substr)
		exited, exitErr, changed := p.exited, p.exitErr, p.changed
		p.mu.Unlock()
		switch {
		case found:
			return nil
		case exited:
			return fmt.Errorf("%s exited (%v) before printing %q; it printed:\n%s", p.name, exitErr, substr, indent(p.Output(), "    | "))
		}
		select {
		case <-changed:
		case <-deadline.C:
			return fmt.Errorf("%s did not print %q within %v; it printed:\n%s", p.name, substr, timeout, indent(p.Output(), "    | "))
		case <-p.tour.ctx.Done():
			return p.tour.ctx.Err()
		}
	}
}

// Stop asks the process to shut down (SIGTERM), and kills it if it has not exited in 5 seconds.
func (p *Proc) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// Kill ends the process at once, as a crash would, and waits until it is gone.
func (p *Proc) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.done
}

// WaitHTTP polls url until the server answers at all (any status), for servers that do not
// print when they are ready.
func (t *Tour) WaitHTTP(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := t.client.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer within %v: %v", url, timeout, err)
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-t.ctx.Done():
			return t.ctx.Err()
		}
	}
}

// An Answer is what a server answered to a Request.
type Answer struct {
	Status int
	Header http.Header
	Body   string
}

// Request sends one HTTP request and prints it and the answer. headerKV holds header names and
// values in turn: "Content-Type", "application/x-www-form-urlencoded".
func (t *Tour) Request(method, url, body string, headerKV ...string) (*Answer, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(headerKV); i += 2 {
		req.Header.Set(headerKV[i], headerKV[i+1])
	}
	t.printf("\n  → %s %s\n", method, url)
	if body != "" {
		t.printf("%s\n", indent(body, "    "))
	}
	resp, err := t.client.Do(req)
	if err != nil {
		t.printf("  ← error: %v\n", err)
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.printf("  ← %s, then the body broke: %v\n", resp.Status, err)
		return nil, err
	}
	a := &Answer{Status: resp.StatusCode, Header: resp.Header, Body: string(data)}
	t.printf("  ← %s  %s\n", resp.Status, resp.Header.Get("Content-Type"))
	if a.Body != "" {
		t.printf("%s\n", indent(shorten(a.Body, 12, 600), "    "))
	}
	return a, nil
}

// RunCmd runs bin to completion (at most two minutes) and prints what it printed.
func (t *Tour) RunCmd(name, bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(t.ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t.printf("  $ %s %s\n", filepath.Base(bin), strings.Join(args, " "))
	err := cmd.Run()
	if out.Len() > 0 {
		t.printf("%s\n", indent(strings.TrimRight(out.String(), "\n"), "    | "))
	}
	if err != nil {
		return out.String(), fmt.Errorf("%s: %w", name, err)
	}
	return out.String(), nil
}

// Check records one expectation: a ✔ line when ok, a ✘ line (and a failed tour) when not.
func (t *Tour) Check(ok bool, format string, args ...any) bool {
	t.checks++
	mark := "✔"
	if !ok {
		mark = "✘"
		t.failed++
	}
	t.printf("  %s %s\n", mark, fmt.Sprintf(format, args...))
	return ok
}

// CheckAnswer checks a Request's outcome: no error, the status, and a body containing
// bodyContains (skipped when empty).
func (t *Tour) CheckAnswer(a *Answer, err error, status int, bodyContains string) bool {
	if err != nil {
		return t.Check(false, "request failed: %v", err)
	}
	what := fmt.Sprintf("status %d", status)
	ok := a.Status == status
	if bodyContains != "" {
		what += fmt.Sprintf(" and body contains %q", bodyContains)
		ok = ok && strings.Contains(a.Body, bodyContains)
	}
	if !ok {
		return t.Check(false, "want %s, got status %d", what, a.Status)
	}
	return t.Check(true, "%s", what)
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = prefix + l
	}
	return strings.Join(lines, "\n")
}

// shorten keeps a transcript readable: at most maxLines lines and maxBytes bytes of a body.
func shorten(s string, maxLines, maxBytes int) string {
	cut := false
	if len(s) > maxBytes {
		s, cut = s[:maxBytes], true
	}
	if lines := strings.Split(s, "\n"); len(lines) > maxLines {
		s, cut = strings.Join(lines[:maxLines], "\n"), true
	}
	if cut {
		s = strings.TrimRight(s, "\n") + "\n…"
	}
	return s
}
