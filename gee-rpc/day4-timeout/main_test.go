package main

import (
	"bytes"
	"context"
	"regexp"
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

var closedPortLine = regexp.MustCompile(`^Dial to a closed port: err = geerpc: dial: dial tcp 127\.0\.0\.1:\d+: connect: connection refused$`)

func TestRunShowsEachTimeout(t *testing.T) {
	for _, codecType := range []string{"application/gob", "application/json"} {
		t.Run(codecType, func(t *testing.T) {
			out, err := runToEnd(t, "-codec", codecType)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out)
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != 6 {
				t.Fatalf("printed %d lines, want 6:\n%s", len(lines), out)
			}
			if addrs := listenAddrs(out); len(addrs) != 1 || !strings.HasPrefix(addrs[0], "127.0.0.1:") {
				t.Errorf("listening lines = %q, want one on 127.0.0.1", addrs)
			}
			want := []string{
				"Foo.Sum(1, 2) = 3, err = <nil>",
				`Foo.Sleep(50ms) = "slept 50ms", err = <nil>`,
				"Foo.Sleep(200ms) with a 100ms deadline: err = geerpc: call Foo.Sleep: context deadline exceeded",
				"Foo.Sleep(1s) with HandleTimeout 300ms: err = geerpc: request handle timeout: expect within 300ms",
			}
			for i, w := range want {
				if lines[1+i] != w {
					t.Errorf("line %d = %q, want %q", 2+i, lines[1+i], w)
				}
			}
			if !closedPortLine.MatchString(lines[5]) {
				t.Errorf("last line = %q, want the refused dial to 127.0.0.1", lines[5])
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
