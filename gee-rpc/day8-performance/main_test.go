package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gee-rpc/day8-performance/geerpc"
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

var (
	listeningOn = regexp.MustCompile(`(?m)^listening on (\S+)`)
	registryAt  = regexp.MustCompile(`(?m)^registry at (\S+) `)
)

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
	debugRow      = regexp.MustCompile(`<tr><td>Foo</td><td>(\w+)</td><td>[^<]*</td><td>[^<]*</td><td>(\d+)</td></tr>`)
)

// checkCalls checks the calls the client prints, as day6's demo test
// does: every Foo.Sum right and from one of servers (host:port), 4 per
// mode, round-robin alternating, the broadcast answered and the slow one
// failing with its deadline. It returns how many calls reached each server.
func checkCalls(t *testing.T, out string, servers []string) map[string]int {
	t.Helper()
	isServer := func(rpcAddr string) bool { return slices.Contains(servers, strings.TrimPrefix(rpcAddr, "http@")) }
	perServer := map[string]int{}
	served := map[string][]string{}
	for _, m := range sumLine.FindAllStringSubmatch(out, -1) {
		a, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		sum, _ := strconv.Atoi(m[4])
		if a+b != sum || !isServer(m[5]) {
			t.Errorf("line %q: want the right sum from one of %q", m[0], servers)
		}
		served[m[1]] = append(served[m[1]], m[5])
		perServer[strings.TrimPrefix(m[5], "http@")]++
	}
	if len(served["random"]) != 4 || len(served["round-robin"]) != 4 {
		t.Fatalf("Foo.Sum answers: %d random, %d round-robin; want 4 each:\n%s", len(served["random"]), len(served["round-robin"]), out)
	}
	if rr := served["round-robin"]; len(servers) > 1 && (rr[0] == rr[1] || rr[1] == rr[2] || rr[2] == rr[3]) {
		t.Errorf("round-robin did not alternate: %q", rr)
	}
	if m := broadcastLine.FindStringSubmatch(out); m == nil || !isServer(m[1]) {
		t.Errorf("no broadcast Foo.Sum(2, 3) = 5 from a server:\n%s", out)
	}
	if m := deadlineLine.FindStringSubmatch(out); m == nil || !isServer(m[1]) {
		t.Errorf("the slow broadcast did not fail with its deadline:\n%s", out)
	}
	return perServer
}

// debugCounts reads a server's debug page: Foo's call count per method.
func debugCounts(t *testing.T, httpAddr string) map[string]int {
	t.Helper()
	resp, err := http.Get("http://" + httpAddr + geerpc.DefaultDebugPath)
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET debug page of %s: %s, %v", httpAddr, resp.Status, err)
	}
	counts := map[string]int{}
	for _, m := range debugRow.FindAllStringSubmatch(string(page), -1) {
		counts[m[1]], _ = strconv.Atoi(m[2])
	}
	return counts
}

func TestRunWithoutRoleRunsEverythingInProcess(t *testing.T) {
	out, err := runToEnd(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	servers := listenAddrs(out)
	if registryAt.FindString(out) == "" || len(servers) != 2 || servers[0] == servers[1] {
		t.Fatalf("want a registry and two servers:\n%s", out)
	}
	checkCalls(t, out, servers)
	if n := strings.Count(out, "\n"); n != 13 {
		t.Errorf("printed %d lines, want 13:\n%s", n, out)
	}
}

// The roles as separate processes would run them, each in a goroutine: a
// registry, two servers heartbeating to it, and the client role. Each
// server's debug page counts the calls the client sent it, and every
// registry or server stops when its context (SIGINT, SIGTERM) ends.
func TestRolesRegistryServerClient(t *testing.T) {
	reg := startRun(t, "-role", "registry", "-timeout", "5s")
	url := registryAt.FindStringSubmatch(reg.waitFor(t, "registry at"))[1]
	var servers []string
	var runs []*background
	for range 2 {
		srv := startRun(t, "-role", "server", "-registry", url, "-heartbeat", "1s")
		out := srv.waitFor(t, "heartbeating to "+url+"\n")
		servers = append(servers, listenAddrs(out)[0])
		runs = append(runs, srv)
	}
	out, err := runToEnd(t, "-role", "client", "-registry", url)
	if err != nil {
		t.Fatalf("client: %v\n%s", err, out)
	}
	perServer := checkCalls(t, out, servers)
	for _, addr := range servers {
		// Each server also got the broadcast Foo.Sum.
		if got := debugCounts(t, addr); got["Sum"] != perServer[addr]+1 {
			t.Errorf("%s counts %d Foo.Sum calls, the client sent %d", addr, got["Sum"], perServer[addr]+1)
		}
	}
	for _, b := range append(runs, reg) {
		if err := b.stop(t); err != nil || !strings.HasSuffix(b.out.String(), "stopped\n") {
			t.Errorf("stop: %v, output ends %q", err, b.out.String())
		}
	}
}

func TestClientRoleWithoutServersSaysSo(t *testing.T) {
	reg := startRun(t, "-role", "registry")
	url := registryAt.FindStringSubmatch(reg.waitFor(t, "registry at"))[1]
	out, err := runToEnd(t, "-role", "client", "-registry", url)
	if err != nil || strings.Count(out, "geerpc: no available servers") != 10 {
		t.Fatalf("client: %v, want every call to fail with no available servers:\n%s", err, out)
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
		{"unknown role", []string{"-role", "proxy"}, `unknown -role "proxy"`},
		{"server without registry", []string{"-role", "server"}, "-role server needs -registry URL"},
		{"client without registry", []string{"-role", "client"}, "-role client needs -registry URL"},
		{"bad address", []string{"-role", "registry", "-addr", "127.0.0.1:nope"}, "listen tcp"},
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
