package main

import (
	"fmt"
	"html"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The gee-rpc part of the tour. It builds gee-rpc/day8-performance once and runs it as separate
// processes: a registry, two servers that heartbeat to it, and clients that find the servers
// through it. Two things the demo has no mode for are done by a small client of the tour's own
// (rpcTourClient below, built against day8): a call whose deadline holds against a server that
// stopped reading, and a client that keeps calling while the registry is down.

func init() { registerTour("gee-rpc", rpcTour) }

const (
	rpcChapter      = "gee-rpc/day8-performance"
	rpcRegistryPath = "/_geerpc_/registry"
)

var (
	rpcSumLine      = regexp.MustCompile(`(?m)^(random|round-robin) +call Foo\.Sum\((\d+), (\d+)\) = (\d+) \(from (\S+)\), err = <nil>$`)
	rpcBroadcastSum = regexp.MustCompile(`(?m)^broadcast Foo\.Sum\(2, 3\) = 5 \(from (\S+)\), err = <nil>$`)
	rpcBroadcastDL  = regexp.MustCompile(`(?m)^broadcast Foo\.Sleep\(500ms\) with a 100ms deadline: reply = "", err = .*context deadline exceeded$`)
	rpcDebugRow     = regexp.MustCompile(`<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>(\d+)</td></tr>`)
	rpcStuckLine    = regexp.MustCompile(`(?m)^(\S+) within (\S+): returned after (\S+): (.*)$`)
	rpcKeepLine     = regexp.MustCompile(`(?m)^call (\d+) \(registry (up|down)\): Foo\.Sum = (\d+) \(from (\S+)\)$`)
)

// rpcCalls parses the client's Foo.Sum lines: the server of each call, per select mode. ok is
// false if a sum is wrong.
func rpcCalls(out string) (perMode map[string][]string, ok bool) {
	perMode = map[string][]string{}
	ok = true
	for _, m := range rpcSumLine.FindAllStringSubmatch(out, -1) {
		a, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		sum, _ := strconv.Atoi(m[4])
		ok = ok && a+b == sum
		perMode[m[1]] = append(perMode[m[1]], m[5])
	}
	return perMode, ok
}

func rpcTour(t *Tour) error {
	bin, err := t.Build(rpcChapter)
	if err != nil {
		return err
	}
	client, err := buildRPCTourClient(t)
	if err != nil {
		return err
	}
	regAddr := t.FreeAddr()
	regURL := "http://" + regAddr + rpcRegistryPath

	t.Say("A registry that forgets a server 2 seconds after its last heartbeat.")
	reg, err := t.Start("registry", bin, "-role", "registry", "-addr", regAddr, "-timeout", "2s")
	if err != nil {
		return err
	}
	if err := reg.WaitFor("registry at", 15*time.Second); err != nil {
		return err
	}

	t.Say("Two servers with a Foo service (Sum, and Sleep that can miss a deadline), each heartbeating every 400ms.")
	addrs := []string{t.FreeAddr(), t.FreeAddr()}
	var servers []*Proc
	var rpcAddrs []string
	for i, addr := range addrs {
		p, err := t.Start(fmt.Sprintf("server%d", i+1), bin, "-role", "server", "-addr", addr, "-registry", regURL, "-heartbeat", "400ms")
		if err != nil {
			return err
		}
		if err := p.WaitFor("heartbeating to", 15*time.Second); err != nil {
			return err
		}
		servers = append(servers, p)
		rpcAddrs = append(rpcAddrs, "http@"+addr)
	}

	t.Say("The registry lists both (GET answers in the X-Geerpc-Servers header), and refuses what is not an address.")
	a, err := t.Request(http.MethodGet, regURL, "")
	if t.CheckAnswer(a, err, http.StatusOK, "") {
		listed := a.Header.Get("X-Geerpc-Servers")
		t.Check(listed == strings.Join(rpcAddrs, ",") || listed == rpcAddrs[1]+","+rpcAddrs[0],
			"X-Geerpc-Servers lists both servers: %q", listed)
	}
	for _, junk := range []string{"tcp@10.0.0.1", "http@a,b:80", "ftp@10.0.0.1:21", "tcp@" + strings.Repeat("x", 300) + ":1"} {
		a, err := t.Request(http.MethodPost, regURL, "", "X-Geerpc-Server", junk)
		t.CheckAnswer(a, err, http.StatusBadRequest, "must be tcp@host:port")
	}

	t.Say("A client finds the servers through the registry: 4 calls per select mode, a broadcast, and a broadcast of a 500ms Sleep with a 100ms deadline.")
	out, runErr := t.RunCmd("client", bin, "-role", "client", "-registry", regURL)
	t.Check(runErr == nil, "the client exits with status 0 (%v)", runErr)
	perMode, sumsRight := rpcCalls(out)
	t.Check(len(perMode["random"]) == 4 && len(perMode["round-robin"]) == 4, "4 Foo.Sum results per select mode: %d random, %d round-robin",
		len(perMode["random"]), len(perMode["round-robin"]))
	t.Check(sumsRight, "every Foo.Sum result is the sum of its arguments")
	sent := map[string]int{}
	for _, s := range append(perMode["random"], perMode["round-robin"]...) {
		sent[s]++
	}
	t.Check(len(sent) <= 2 && (sent[rpcAddrs[0]]+sent[rpcAddrs[1]] == 8), "every answer comes from a registered server: %v", sent)
	rr := perMode["round-robin"]
	t.Check(len(rr) == 4 && rr[0] != rr[1] && rr[1] != rr[2] && rr[2] != rr[3], "round-robin alternates: %q", rr)
	t.Check(rpcBroadcastSum.MatchString(out), "the broadcast Foo.Sum(2, 3) is answered")
	t.Check(rpcBroadcastDL.MatchString(out), "the slow broadcast misses its deadline with context deadline exceeded and an empty reply")

	t.Say("Each server's debug page: every method with its argument and reply types and its call count.")
	totalSleep := 0
	for i, addr := range addrs {
		a, err := t.Request(http.MethodGet, "http://"+addr+"/debug/geerpc", "")
		if !t.CheckAnswer(a, err, http.StatusOK, "GeeRPC Services") {
			continue
		}
		rows := rpcDebugRow.FindAllStringSubmatch(a.Body, -1)
		t.printf("    %-8s %-7s %-14s %-8s %s\n", "service", "method", "argument", "reply", "calls")
		counts := map[string]int{}
		for _, r := range rows {
			t.printf("    %-8s %-7s %-14s %-8s %s\n", html.UnescapeString(r[1]), r[2], html.UnescapeString(r[3]), html.UnescapeString(r[4]), r[5])
			n, _ := strconv.Atoi(r[5])
			counts[r[2]] = n
		}
		// Every Sum routed here, plus the broadcast, which reaches every server.
		t.Check(len(rows) == 2 && counts["Sum"] == sent[rpcAddrs[i]]+1, "%s: Foo.Sum counted %d calls, the client sent %d",
			rpcAddrs[i], counts["Sum"], sent[rpcAddrs[i]]+1)
		totalSleep += counts["Sleep"]
	}
	t.Check(totalSleep == 2, "Foo.Sleep ran once on each server (it went on after the broadcast gave up): %d", totalSleep)

	t.Say("A deadline holds against a server that stopped reading. The tour's own client connects to server2 and")
	t.printf("  stops its process (SIGSTOP: the kernel still takes bytes until the socket buffers are full, nothing reads).\n")
	t.printf("  A call with a 16 MiB argument then blocks in its write; a small call waits behind it. Each returns at its own\n")
	t.printf("  deadline, and the cut write ends the connection (half a request cannot be taken back).\n")
	out, runErr = t.RunCmd("tour client", client, "stuck", rpcAddrs[1], strconv.Itoa(servers[1].cmd.Process.Pid))
	t.Check(runErr == nil, "the tour client exits with status 0 (%v)", runErr)
	stuck := rpcStuckLine.FindAllStringSubmatch(out, -1)
	t.Check(len(stuck) == 2, "two calls reported: %d", len(stuck))
	for _, m := range stuck {
		deadline, _ := time.ParseDuration(m[2])
		took, err := time.ParseDuration(m[3])
		t.Check(err == nil && took >= deadline && took < deadline+time.Second && strings.HasSuffix(m[4], "context deadline exceeded"),
			"%s returned at its %s deadline (after %s) with context deadline exceeded", m[1], m[2], m[3])
	}
	t.Check(strings.Contains(out, "client available after the cut: false"), "the cut write closed the connection")
	t.Check(strings.Contains(out, "continued (SIGCONT)"), "server2 runs again (SIGCONT)")

	t.Say("server2 crashes (SIGKILL): its heartbeats stop, and 2 seconds later the registry drops it.")
	servers[1].Kill()
	dropped := false
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(regURL)
		if err == nil {
			resp.Body.Close()
			if resp.Header.Get("X-Geerpc-Servers") == rpcAddrs[0] {
				dropped = true
				break
			}
		}
		time.Sleep(100 * time.Millisecond) // polling a timer-driven expiry, bounded above
	}
	a, err = t.Request(http.MethodGet, regURL, "")
	if t.CheckAnswer(a, err, http.StatusOK, "") {
		t.Check(dropped && a.Header.Get("X-Geerpc-Servers") == rpcAddrs[0], "the registry lists only server1: %q", a.Header.Get("X-Geerpc-Servers"))
	}

	t.Say("Calls still succeed: a new client only finds server1.")
	out, runErr = t.RunCmd("client", bin, "-role", "client", "-registry", regURL)
	t.Check(runErr == nil, "the client exits with status 0 (%v)", runErr)
	perMode, sumsRight = rpcCalls(out)
	onFirst := sumsRight && len(perMode["random"]) == 4 && len(perMode["round-robin"]) == 4
	for _, s := range append(perMode["random"], perMode["round-robin"]...) {
		onFirst = onFirst && s == rpcAddrs[0]
	}
	t.Check(onFirst, "all 8 Foo.Sum results are right and come from server1 (%s)", rpcAddrs[0])

	t.Say("The registry goes down, and a client that already has the list keeps calling. The tour's own client refreshes")
	t.printf("  its list every 200ms; after 3 calls it kills the registry (SIGKILL) and calls on for a second and more.\n")
	out, runErr = t.RunCmd("tour client", client, "keep", regURL, strconv.Itoa(reg.cmd.Process.Pid))
	t.Check(runErr == nil, "the tour client exits with status 0 (%v)", runErr)
	up, down := 0, 0
	for _, m := range rpcKeepLine.FindAllStringSubmatch(out, -1) {
		i, _ := strconv.Atoi(m[1])
		sum, _ := strconv.Atoi(m[3])
		if sum != 2*i || m[4] != rpcAddrs[0] {
			continue
		}
		if m[2] == "up" {
			up++
		} else {
			down++
		}
	}
	t.Check(up == 3 && down == 12, "every call answered by server1: %d with the registry up, %d with it down", up, down)
	t.Check(strings.Contains(out, "a client without a list: geerpc: registry "+regURL+" unreachable"),
		"a new client, with no list yet, fails with the registry unreachable")

	t.Say("Stopping server1 with SIGTERM.")
	servers[0].Stop()
	t.Check(strings.Contains(servers[0].Output(), "stopped"), "server1 stopped cleanly")
	return nil
}

// buildRPCTourClient writes rpcTourClient into a module of its own that uses the chapter through
// a replace directive, and builds it outside the workspace (the chapter needs nothing else, so
// this works offline). The gee tool itself stays independent of the chapters.
func buildRPCTourClient(t *Tour) (string, error) {
	dir := filepath.Join(t.TempDir(), "rpc-tour-client")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	gomod := fmt.Sprintf("module tourclient\n\ngo 1.26\n\nrequire %s v0.0.0\n\nreplace %s => %s\n",
		rpcChapter, rpcChapter, filepath.Join(t.Root(), rpcChapter))
	for name, text := range map[string]string{"go.mod": gomod, "main.go": rpcTourClient} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return "", err
		}
	}
	bin := filepath.Join(t.TempDir(), "bin", "rpc-tour-client")
	t.printf("  building the tour's own client against %s\n", rpcChapter)
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the tour client: %v\n%s", err, out)
	}
	return bin, nil
}

// rpcTourClient is the tour's own client of gee-rpc/day8-performance, for what the demo has no
// mode for:
//
//	stuck RPCADDR PID   connect to a server, stop its process, call with deadlines, continue it
//	keep REGISTRY PID   call through the registry, kill it after 3 calls, call on
const rpcTourClient = `// Command tourclient is the gee-rpc tour's own client.
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"gee-rpc/day8-performance/geerpc"
	"gee-rpc/day8-performance/geerpc/xclient"
)

// Args are the arguments of the demo's Foo.Sum.
type Args struct{ Num1, Num2 int }

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: tourclient stuck RPCADDR PID | keep REGISTRY PID")
		os.Exit(2)
	}
	pid, err := strconv.Atoi(os.Args[3])
	if err == nil {
		switch os.Args[1] {
		case "stuck":
			err = stuck(os.Args[2], pid)
		case "keep":
			err = keep(os.Args[2], pid)
		default:
			err = fmt.Errorf("unknown mode %q", os.Args[1])
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func stuck(rpcAddr string, pid int) error {
	client, err := geerpc.XDial(rpcAddr)
	if err != nil {
		return err
	}
	defer client.Close()
	var reply string
	if err := client.Call(context.Background(), "Foo.Sum", Args{1, 2}, &reply); err != nil {
		return err
	}
	fmt.Printf("connected: Foo.Sum(1, 2) = %s\n", reply)
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		return err
	}
	fmt.Printf("server process %d stopped (SIGSTOP)\n", pid)
	calls := []struct {
		name     string
		args     any
		deadline time.Duration
	}{
		{"Foo.Sum(16MiB)", make([]byte, 16<<20), 500 * time.Millisecond},
		{"Foo.Sum(small)", Args{1, 2}, 300 * time.Millisecond},
	}
	lines := make([]string, len(calls))
	var wg sync.WaitGroup
	for i, c := range calls {
		if i > 0 {
			time.Sleep(50 * time.Millisecond) // let the big call start writing first
		}
		wg.Go(func() {
			start := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), c.deadline)
			defer cancel()
			err := client.Call(ctx, "Foo.Sum", c.args, new(string))
			lines[i] = fmt.Sprintf("%s within %s: returned after %s: %v", c.name, c.deadline, time.Since(start).Round(10*time.Millisecond), err)
		})
	}
	wg.Wait()
	for _, l := range lines {
		fmt.Println(l)
	}
	deadline := time.Now().Add(5 * time.Second)
	for client.IsAvailable() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("client available after the cut: %v\n", client.IsAvailable())
	if err := syscall.Kill(pid, syscall.SIGCONT); err != nil {
		return err
	}
	fmt.Printf("server process %d continued (SIGCONT)\n", pid)
	return nil
}

func keep(registryURL string, pid int) error {
	d := xclient.NewGeeRegistryDiscovery(registryURL, 200*time.Millisecond)
	xc := xclient.NewXClient(d, xclient.RoundRobinSelect, nil)
	defer xc.Close()
	for i := range 15 {
		if i == 3 {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
				return err
			}
			fmt.Printf("registry process %d killed (SIGKILL)\n", pid)
		}
		state := "up"
		if i >= 3 {
			state = "down"
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		var reply string
		err := xc.Call(ctx, "Foo.Sum", Args{i, i}, &reply)
		cancel()
		if err != nil {
			return fmt.Errorf("call %d: %w", i, err)
		}
		fmt.Printf("call %d (registry %s): Foo.Sum = %s\n", i, state, reply)
		time.Sleep(100 * time.Millisecond) // spread the calls over several refresh periods
	}
	_, err := xclient.NewGeeRegistryDiscovery(registryURL, 0).Get(context.Background(), xclient.RandomSelect)
	fmt.Printf("a client without a list: %v\n", err)
	return nil
}
`
