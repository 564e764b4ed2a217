package main

import (
	"bytes"
	"context"
	"regexp"
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

var (
	sumLine       = regexp.MustCompile(`(?m)^(random|round-robin) +call Foo\.Sum\((\d+), (\d+)\) = (\d+) \(from (\S+)\), err = <nil>$`)
	broadcastLine = regexp.MustCompile(`(?m)^broadcast Foo\.Sum\(2, 3\) = 5 \(from (\S+)\), err = <nil>$`)
	deadlineLine  = regexp.MustCompile(`(?m)^broadcast Foo\.Sleep\(500ms\) with a 100ms deadline: reply = "", err = geerpc: broadcast to (\S+): geerpc: call Foo\.Sleep: context deadline exceeded$`)
)

func TestRunBalancesAndBroadcasts(t *testing.T) {
	out, err := runToEnd(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	servers := listenAddrs(out)
	if len(servers) != 2 || servers[0] == servers[1] {
		t.Fatalf("listening lines = %q, want two servers", servers)
	}
	isServer := func(rpcAddr string) bool { return rpcAddr == "http@"+servers[0] || rpcAddr == "http@"+servers[1] }

	served := map[string][]string{} // mode -> server of each call, in order
	for _, m := range sumLine.FindAllStringSubmatch(out, -1) {
		a, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		sum, _ := strconv.Atoi(m[4])
		if a+b != sum || !isServer(m[5]) {
			t.Errorf("line %q: want the right sum from one of %q", m[0], servers)
		}
		served[m[1]] = append(served[m[1]], m[5])
	}
	if len(served["random"]) != 4 || len(served["round-robin"]) != 4 {
		t.Fatalf("Foo.Sum answers per mode: %d random, %d round-robin; want 4 each:\n%s",
			len(served["random"]), len(served["round-robin"]), out)
	}
	rr := served["round-robin"]
	for i := 1; i < len(rr); i++ {
		if rr[i] == rr[i-1] {
			t.Errorf("round-robin sent calls %d and %d both to %s: %q", i, i+1, rr[i], rr)
		}
	}
	if m := broadcastLine.FindStringSubmatch(out); m == nil || !isServer(m[1]) {
		t.Errorf("no broadcast Foo.Sum(2, 3) = 5 from a server:\n%s", out)
	}
	if m := deadlineLine.FindStringSubmatch(out); m == nil || !isServer(m[1]) {
		t.Errorf("the slow broadcast did not fail with its deadline and an empty reply:\n%s", out)
	}
	if n := strings.Count(out, "\n"); n != 12 {
		t.Errorf("printed %d lines, want 12:\n%s", n, out)
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
		{"addr is not a flag here", []string{"-addr", "127.0.0.1:0"}, "flag provided but not defined: -addr"},
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
