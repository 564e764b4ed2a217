package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
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
	sumLine      = regexp.MustCompile(`(?m)^(random|round-robin|broadcast) +Foo\.Sum\((\d+), (\d+)\) = (\d+) from (\S+)$`)
	deadlineLine = regexp.MustCompile(`(?m)^deadline    Foo\.Sleep\(1s\) within 200ms: missed as expected: geerpc: call Foo\.Sleep: context deadline exceeded$`)
	listedLine   = regexp.MustCompile(`(?m)^registry lists (\d+) servers: \[(.*)\]$`)
	rpcAddrIn    = regexp.MustCompile(`\(rpc ((?:tcp|http)@\S+?)[,)]`)
	debugRow     = regexp.MustCompile(`<tr><td>Foo</td><td>(\w+)</td><td>[^<]*</td><td>[^<]*</td><td>(\d+)</td></tr>`)
)

// checkClient checks the client's lines the way the tour does: every
// Foo.Sum result right and from one of servers, round-robin alternating,
// one broadcast, the slow call missing its deadline, and the last line.
// It returns the servers each mode's calls went to, in order.
func checkClient(t *testing.T, out string, servers []string, calls int) map[string][]string {
	t.Helper()
	m := listedLine.FindStringSubmatch(out)
	if m == nil || m[1] != strconv.Itoa(len(servers)) {
		t.Errorf("no line listing %d servers:\n%s", len(servers), out)
	} else {
		for _, s := range servers {
			if !strings.Contains(m[2], s) {
				t.Errorf("registry list %q lacks %s", m[2], s)
			}
		}
	}
	known := map[string]bool{}
	for _, s := range servers {
		known[s] = true
	}
	served := map[string][]string{}
	for _, m := range sumLine.FindAllStringSubmatch(out, -1) {
		a, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		sum, _ := strconv.Atoi(m[4])
		if a+b != sum || !known[m[5]] {
			t.Errorf("line %q: want the right sum from one of %q", m[0], servers)
		}
		served[m[1]] = append(served[m[1]], m[5])
	}
	if len(served["random"]) != calls || len(served["round-robin"]) != calls || len(served["broadcast"]) != 1 {
		t.Errorf("Foo.Sum answers: %d random, %d round-robin, %d broadcast; want %d, %d, 1:\n%s",
			len(served["random"]), len(served["round-robin"]), len(served["broadcast"]), calls, calls, out)
	}
	rr := served["round-robin"]
	for i := 1; i < len(rr); i++ {
		if rr[i] == rr[i-1] {
			t.Errorf("round-robin sent calls %d and %d both to %s", i, i+1, rr[i])
		}
	}
	if !deadlineLine.MatchString(out) {
		t.Errorf("the slow call did not miss its deadline:\n%s", out)
	}
	if !strings.HasSuffix(out, "\nall calls behaved\n") || strings.Contains(out, "FAILED") {
		t.Errorf("want no FAILED line and all calls behaved at the end:\n%s", out)
	}
	return served
}

func TestRunWithoutRoleRunsEverythingInProcess(t *testing.T) {
	out, err := runToEnd(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	var servers []string
	for _, m := range rpcAddrIn.FindAllStringSubmatch(out, -1) {
		servers = append(servers, m[1])
	}
	if len(listenAddrs(out)) != 3 || len(servers) != 2 {
		t.Fatalf("want a registry and two tcp@ servers listening:\n%s", out)
	}
	checkClient(t, out, servers, 4)
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

// The roles as the tour starts them, each run in a goroutine instead of a
// process: a registry, two -role server demos, and the client role against
// them.
func TestRolesRegistryServerClient(t *testing.T) {
	reg := startRun(t, "-role", "registry", "-addr", "127.0.0.1:0", "-timeout", "5s")
	regAddr := listenAddrs(reg.waitFor(t, "listening on"))[0]
	regURL := "http://" + regAddr + "/_geerpc_/registry"
	if out := reg.out.String(); !strings.Contains(out, "(registry "+regURL+", servers expire after 5s)") {
		t.Errorf("registry line = %q", out)
	}

	var servers []*background
	var httpAddrs, rpcAddrs []string
	for range 2 {
		srv := startRun(t, "-role", "server", "-addr", "127.0.0.1:0", "-registry", regURL, "-heartbeat", "1s")
		srvOut := srv.waitFor(t, "heartbeating to "+regURL+"\n")
		httpAddr := listenAddrs(srvOut)[0]
		if !strings.Contains(srvOut, "(rpc http@"+httpAddr+", debug http://"+httpAddr+"/debug/geerpc)") {
			t.Errorf("server line = %q", srvOut)
		}
		servers = append(servers, srv)
		httpAddrs = append(httpAddrs, httpAddr)
		rpcAddrs = append(rpcAddrs, "http@"+httpAddr)
	}
	if httpAddrs[0] == httpAddrs[1] {
		t.Fatalf("both servers listen on %s", httpAddrs[0])
	}

	out, err := runToEnd(t, "-role", "client", "-registry", regURL, "-calls", "6", "-sleep", "1s", "-deadline", "200ms")
	if err != nil {
		t.Fatalf("client role: %v (exit status 1)\n%s", err, out)
	}
	served := checkClient(t, out, rpcAddrs, 6)

	// Each server's debug page counts what the client sent there: its
	// share of the Sum calls and the broadcast, which reaches both.
	for i, httpAddr := range httpAddrs {
		want := 1
		for _, mode := range []string{"random", "round-robin"} {
			for _, s := range served[mode] {
				if s == rpcAddrs[i] {
					want++
				}
			}
		}
		if got := debugCounts(t, httpAddr)["Sum"]; got != want {
			t.Errorf("%s counts Sum %d times, want %d", rpcAddrs[i], got, want)
		}
	}
	// Foo.Sleep ran on one of them, though the client gave up waiting; a
	// bounded poll, as the call may still be on its way.
	sleeps := 0
	for deadline := time.Now().Add(10 * time.Second); ; {
		sleeps = debugCounts(t, httpAddrs[0])["Sleep"] + debugCounts(t, httpAddrs[1])["Sleep"]
		if sleeps != 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if sleeps != 1 {
		t.Errorf("Foo.Sleep counted %d times on the two servers, want 1", sleeps)
	}

	for name, b := range map[string]*background{"server 1": servers[0], "server 2": servers[1], "registry": reg} {
		if err := b.stop(t); err != nil {
			t.Errorf("%s role returned %v when stopped", name, err)
		}
		if out := b.out.String(); !strings.HasSuffix(out, "context canceled, stopping\nstopped\n") {
			t.Errorf("%s role output ends %q, want it stopping cleanly", name, out)
		}
	}
}

func TestClientRoleFailsWithoutServers(t *testing.T) {
	reg := startRun(t, "-role", "registry")
	regURL := "http://" + listenAddrs(reg.waitFor(t, "listening on"))[0] + "/_geerpc_/registry"
	out, err := runToEnd(t, "-role", "client", "-registry", regURL, "-calls", "2")
	if err == nil || err.Error() != "6 calls failed" {
		t.Errorf("client role = %v, want 6 calls failed (exit status 1)\n%s", err, out)
	}
	if !strings.HasPrefix(out, "registry lists 0 servers: []\n") || strings.Count(out, "FAILED") != 6 || strings.Contains(out, "all calls behaved") {
		t.Errorf("want the empty list and six FAILED lines:\n%s", out)
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
		{"unknown role", []string{"-role", "proxy"}, `unknown -role "proxy"`},
		{"server without registry", []string{"-role", "server"}, "-role server needs -registry URL"},
		{"client without registry", []string{"-role", "client"}, "-role client needs -registry URL"},
		{"unknown mode", []string{"-role", "client", "-registry", "http://127.0.0.1:1/_geerpc_/registry", "-mode", "zigzag"}, `unknown -mode "zigzag"`},
		{"registry down", []string{"-role", "client", "-registry", "http://127.0.0.1:1/_geerpc_/registry"}, "127.0.0.1:1"},
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
