package main

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"strconv"
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

var sumLine = regexp.MustCompile(`(?m)^(\d+) \+ (\d+) = (\d+)$`)

func TestRunCallsFooSumByReflection(t *testing.T) {
	for _, codecType := range []string{"application/gob", "application/json"} {
		t.Run(codecType, func(t *testing.T) {
			out, err := runToEnd(t, "-codec", codecType)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out)
			}
			if addrs := listenAddrs(out); len(addrs) != 1 || !strings.HasPrefix(addrs[0], "127.0.0.1:") {
				t.Errorf("listening lines = %q, want one on 127.0.0.1", addrs)
			}
			// Goroutine i asks for i + i*i; the lines come in any order.
			var sums []string
			for _, m := range sumLine.FindAllStringSubmatch(out, -1) {
				a, _ := strconv.Atoi(m[1])
				b, _ := strconv.Atoi(m[2])
				sum, _ := strconv.Atoi(m[3])
				if b != a*a || sum != a+b {
					t.Errorf("line %q: want i + i*i = the sum", m[0])
				}
				sums = append(sums, m[0])
			}
			slices.Sort(sums)
			want := []string{"0 + 0 = 0", "1 + 1 = 2", "2 + 4 = 6", "3 + 9 = 12", "4 + 16 = 20"}
			if !slices.Equal(sums, want) {
				t.Errorf("sums = %q, want %q", sums, want)
			}
			if !strings.HasSuffix(out, "Foo.Nope -> error: geerpc: can't find method \"Foo.Nope\"\n") {
				t.Errorf("output does not end with the Foo.Nope error:\n%s", out)
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
