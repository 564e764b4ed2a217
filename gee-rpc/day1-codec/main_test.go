package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
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

var (
	sentRequest = regexp.MustCompile(`^> \{"ServiceMethod":"Foo\.Sum","Seq":(\d),"Error":""\}$`)
	gotHeader   = regexp.MustCompile(`^< \{"ServiceMethod":"Foo\.Sum","Seq":(\d),"Error":""\}$`)
	gotBody     = regexp.MustCompile(`^< "geerpc resp (\d)"$`)
)

// checkHandTalk checks the lines talkByHand prints: the option and three
// requests sent, then for each request one header and the fixed body
// answering it, in whatever order the server finished them.
func checkHandTalk(t *testing.T, out string) {
	t.Helper()
	var sent, got []string
	for line := range strings.Lines(out) {
		line = strings.TrimSuffix(line, "\n")
		switch {
		case strings.HasPrefix(line, "> "):
			sent = append(sent, line)
		case strings.HasPrefix(line, "< "):
			got = append(got, line)
		}
	}
	if len(sent) != 7 || sent[0] != `> {"MagicNumber":3927900,"CodecType":"application/json"}` {
		t.Fatalf("sent lines = %q, want the option and 3 requests", sent)
	}
	for i, seq := range []string{"1", "2", "3"} {
		if m := sentRequest.FindStringSubmatch(sent[1+2*i]); m == nil || m[1] != seq {
			t.Errorf("sent header %d = %q, want Seq %s", i, sent[1+2*i], seq)
		}
		if want := `> "geerpc req ` + seq + `"`; sent[2+2*i] != want {
			t.Errorf("sent body %d = %q, want %q", i, sent[2+2*i], want)
		}
	}
	if len(got) != 6 {
		t.Fatalf("received lines = %q, want 3 headers with their bodies", got)
	}
	answered := map[string]bool{}
	for i := 0; i < 6; i += 2 {
		h, b := gotHeader.FindStringSubmatch(got[i]), gotBody.FindStringSubmatch(got[i+1])
		if h == nil || b == nil || h[1] != b[1] {
			t.Errorf("reply %q / %q: want a Foo.Sum header and the body with the same seq", got[i], got[i+1])
			continue
		}
		answered[h[1]] = true
	}
	if len(answered) != 3 {
		t.Errorf("seqs answered = %v, want 1, 2 and 3 once each", answered)
	}
}

func TestRunTalksTheProtocolByHand(t *testing.T) {
	out, err := runToEnd(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if addrs := listenAddrs(out); len(addrs) != 1 || !strings.HasPrefix(addrs[0], "127.0.0.1:") {
		t.Errorf("listening lines = %q, want one on 127.0.0.1", addrs)
	}
	checkHandTalk(t, out)
}

func TestRunServeOnlyAnswersUntilStopped(t *testing.T) {
	b := startRun(t, "-serve")
	addrs := listenAddrs(b.waitFor(t, "listening on"))
	if len(addrs) != 1 {
		t.Fatalf("listening lines = %q, want one", addrs)
	}
	var talk bytes.Buffer
	if err := talkByHand(addrs[0], &talk); err != nil {
		t.Fatalf("talkByHand to the -serve server: %v", err)
	}
	checkHandTalk(t, talk.String())
	if strings.Contains(b.out.String(), "stopped") {
		t.Fatal("printed stopped before being stopped")
	}
	if err := b.stop(t); err != nil {
		t.Fatalf("run -serve returned %v after stop", err)
	}
	if out := b.out.String(); !strings.HasSuffix(out, "stopped\n") {
		t.Errorf("output ends %q, want stopped", out)
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
			if errors.Is(err, flag.ErrHelp) {
				t.Errorf("run(%q) returned flag.ErrHelp", tt.args)
			}
		})
	}
}
