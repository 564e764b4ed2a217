package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gee-rpc/day5-http-debug/geerpc"
)

// output collects what a run prints. The demo's goroutines write it while
// the test reads it, so every access holds mu.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced by every Write
}

func newOutput() *output { return &output{changed: make(chan struct{})} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	close(o.changed)
	o.changed = make(chan struct{})
	return o.buf.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// background is a run in a goroutine, standing in for a separate process;
// cancelling its context is the SIGINT/SIGTERM of main.
type background struct {
	out    *output
	cancel context.CancelFunc
	done   chan struct{}
	err    error // written before done is closed
}

func startRun(t *testing.T, args ...string) *background {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b := &background{out: newOutput(), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		b.err = run(ctx, args, b.out)
	}()
	t.Cleanup(func() { b.stop(t) })
	return b
}

// waitFor returns the output once it contains substr. It fails the test
// if the run ends first or 10 seconds pass.
func (b *background) waitFor(t *testing.T, substr string) string {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		b.out.mu.Lock()
		got, changed := b.out.buf.String(), b.out.changed
		b.out.mu.Unlock()
		if strings.Contains(got, substr) {
			return got
		}
		select {
		case <-changed:
		case <-b.done:
			if got := b.out.String(); !strings.Contains(got, substr) {
				t.Fatalf("run ended (err = %v) before printing %q; output:\n%s", b.err, substr, got)
			}
		case <-timeout:
			t.Fatalf("no %q within 10s; output:\n%s", substr, got)
		}
	}
}

// stop cancels the run and returns its error once it has returned.
func (b *background) stop(t *testing.T) error {
	t.Helper()
	b.cancel()
	select {
	case <-b.done:
		return b.err
	case <-time.After(10 * time.Second):
		t.Fatalf("run did not return within 10s of being stopped; output:\n%s", b.out.String())
		return nil
	}
}

var listeningOn = regexp.MustCompile(`(?m)^listening on (\S+)`)

// listenAddrs returns the addresses of the "listening on" lines, in order.
func listenAddrs(out string) []string {
	var addrs []string
	for _, m := range listeningOn.FindAllStringSubmatch(out, -1) {
		addrs = append(addrs, m[1])
	}
	return addrs
}

// runToEnd runs the demo to completion and returns what it printed.
func runToEnd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out := newOutput()
	err := run(context.Background(), args, out)
	return out.String(), err
}

var debugRow = regexp.MustCompile(`<tr><td>Foo</td><td>(\w+)</td><td>([^<]*)</td><td>([^<]*)</td><td>(\d+)</td></tr>`)

// fooRows returns "Method argument reply calls" for each Foo row of a
// debug page.
func fooRows(page string) []string {
	var rows []string
	for _, m := range debugRow.FindAllStringSubmatch(page, -1) {
		rows = append(rows, strings.Join(m[1:], " "))
	}
	return rows
}

func getDebugPage(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + geerpc.DefaultDebugPath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET debug page: %s, %v", resp.Status, err)
	}
	return string(page)
}

// With -serve the demo makes the same calls and prints the same page as
// without, then keeps serving until stopped.
func TestRunCallsOverHTTPThenServesUntilStopped(t *testing.T) {
	b := startRun(t, "-serve")
	out := b.waitFor(t, "</html>\n")
	addrs := listenAddrs(out)
	if len(addrs) != 1 || !strings.HasPrefix(addrs[0], "127.0.0.1:") {
		t.Fatalf("listening lines = %q, want one on 127.0.0.1", addrs)
	}
	addr := addrs[0]
	for _, want := range []string{
		"listening on " + addr + " (rpc http@" + addr + ", debug http://" + addr + "/debug/geerpc)\n",
		"Foo.Sum(0, 0) = 0 (from http@" + addr + "), err = <nil>\nFoo.Sum(1, 1) = 2 (from http@" + addr + "), err = <nil>\n" +
			"Foo.Sum(2, 4) = 6 (from http@" + addr + "), err = <nil>\n",
		"Foo.Sleep(10ms) = \"slept 10ms (on http@" + addr + ")\", err = <nil>\n",
		"GET /debug/geerpc -> 200 OK\n<!DOCTYPE html>",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	wantRows := []string{"Sleep time.Duration *string 1", "Sum main.Args *string 3"}
	if rows := fooRows(out); strings.Join(rows, "|") != strings.Join(wantRows, "|") {
		t.Errorf("printed debug rows = %q, want %q", rows, wantRows)
	}

	// Still serving: a CONNECT call of our own, counted on the page.
	client, err := geerpc.XDial("http@" + addr)
	if err != nil {
		t.Fatalf("XDial the -serve server: %v", err)
	}
	var sum string
	if err := client.Call(context.Background(), "Foo.Sum", Args{Num1: 5, Num2: 6}, &sum); err != nil || sum != "11 (from http@"+addr+")" {
		t.Errorf("Foo.Sum(5, 6) = %q, %v; want 11 from this server", sum, err)
	}
	_ = client.Close()
	wantRows[1] = "Sum main.Args *string 4"
	if rows := fooRows(getDebugPage(t, addr)); strings.Join(rows, "|") != strings.Join(wantRows, "|") {
		t.Errorf("debug rows after one more call = %q, want %q", rows, wantRows)
	}
	resp, err := http.Get("http://" + addr + geerpc.DefaultRPCPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET %s = %s, want 405 (RPC needs CONNECT)", geerpc.DefaultRPCPath, resp.Status)
	}

	if strings.Contains(b.out.String(), "stopped") {
		t.Fatal("printed stopped before being stopped")
	}
	if err := b.stop(t); err != nil {
		t.Fatalf("run -serve returned %v after stop", err)
	}
	if out := b.out.String(); !strings.HasSuffix(out, "</html>\nstopped\n") {
		t.Errorf("output ends %q, want the page then stopped", out[max(0, len(out)-40):])
	}
	if _, err := http.Get("http://" + addr + geerpc.DefaultDebugPath); err == nil {
		t.Error("the debug page still answers after run returned")
	}
}

// Each run has a server and mux of its own: two runs at once in one
// process both work, and each page counts only its own run's calls.
func TestRunTwiceInOneProcess(t *testing.T) {
	first := startRun(t, "-serve")
	firstOut := first.waitFor(t, "</html>\n")
	second, err := runToEnd(t)
	if err != nil {
		t.Fatalf("second run while the first serves: %v\n%s", err, second)
	}
	wantRows := "Sleep time.Duration *string 1|Sum main.Args *string 3"
	for name, out := range map[string]string{"first": firstOut, "second": second} {
		if rows := strings.Join(fooRows(out), "|"); rows != wantRows {
			t.Errorf("%s run printed debug rows %q, want %q", name, rows, wantRows)
		}
	}
	firstAddr, secondAddr := listenAddrs(firstOut), listenAddrs(second)
	if len(firstAddr) != 1 || len(secondAddr) != 1 || firstAddr[0] == secondAddr[0] {
		t.Fatalf("listening on %q and %q, want one address each, different", firstAddr, secondAddr)
	}
	// The second run's calls did not reach the first run's server.
	if rows := strings.Join(fooRows(getDebugPage(t, firstAddr[0])), "|"); rows != wantRows {
		t.Errorf("first run's page after the second run = %q, want %q", rows, wantRows)
	}
	if err := first.stop(t); err != nil {
		t.Errorf("first run returned %v after stop", err)
	}
}

func TestRunHelpAndBadArguments(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string // "" means no error
	}{
		{"help", []string{"-h"}, ""},
		{"unknown flag", []string{"-nope"}, "flag provided but not defined: -nope"},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
		{"bad address", []string{"-addr", "127.0.0.1:nope"}, "listen tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runToEnd(t, tt.args...)
			if tt.wantErr == "" {
				if err != nil || out != "" {
					t.Errorf("run(%q) = %v, printed %q; want nil and nothing on stdout", tt.args, err, out)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}
