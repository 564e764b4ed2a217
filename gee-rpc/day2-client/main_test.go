package main

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
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

var callLine = regexp.MustCompile(`(?m)^geerpc req (\d) -> geerpc resp (\d)$`)

func TestRunAnswersFiveConcurrentCalls(t *testing.T) {
	for _, codecType := range []string{"application/gob", "application/json"} {
		t.Run(codecType, func(t *testing.T) {
			out, err := runToEnd(t, "-codec", codecType)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out)
			}
			if addrs := listenAddrs(out); len(addrs) != 1 || !strings.HasPrefix(addrs[0], "127.0.0.1:") {
				t.Errorf("listening lines = %q, want one on 127.0.0.1", addrs)
			}
			// Each goroutine's call is answered once, and the client's
			// sequence numbers 1..5 (echoed by the server) are all used.
			var reqs, seqs []string
			for _, m := range callLine.FindAllStringSubmatch(out, -1) {
				reqs = append(reqs, m[1])
				seqs = append(seqs, m[2])
			}
			slices.Sort(reqs)
			slices.Sort(seqs)
			if !slices.Equal(reqs, []string{"0", "1", "2", "3", "4"}) || !slices.Equal(seqs, []string{"1", "2", "3", "4", "5"}) {
				t.Errorf("answered requests %v with seqs %v, want 0..4 with 1..5; output:\n%s", reqs, seqs, out)
			}
			if n := strings.Count(out, "\n"); n != 6 {
				t.Errorf("printed %d lines, want 6:\n%s", n, out)
			}
		})
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
		{"unknown codec", []string{"-codec", "xml"}, `geerpc: unknown codec type "xml"`},
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
