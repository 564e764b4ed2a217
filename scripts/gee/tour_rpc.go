package main

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The gee-rpc part of the tour. It builds gee-rpc/day7-registry once and runs it as separate
// processes: a registry, two servers that heartbeat to it, and clients that find the servers
// through it. The client prints one line per call; the tour checks every line, then reads the
// servers' debug pages, crashes one server and shows the registry dropping it.

func init() { registerTour("gee-rpc", rpcTour) }

const rpcRegistryPath = "/_geerpc_/registry"

var (
	rpcSumLine      = regexp.MustCompile(`(?m)^(random|round-robin|broadcast)\s+Foo\.Sum\((\d+), (\d+)\) = (\d+) from (\S+)$`)
	rpcDeadlineLine = regexp.MustCompile(`(?m)^deadline\s+Foo\.Sleep\(\S+\) within \S+: missed as expected: .*context deadline exceeded$`)
	rpcDebugRow     = regexp.MustCompile(`<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td><td>(\d+)</td></tr>`)
)

// rpcCall is one "Foo.Sum" line of the client's output.
type rpcCall struct {
	mode, server string
	a, b, sum    int
}

func parseRPCCalls(out string) []rpcCall {
	var calls []rpcCall
	for _, m := range rpcSumLine.FindAllStringSubmatch(out, -1) {
		a, _ := strconv.Atoi(m[2])
		b, _ := strconv.Atoi(m[3])
		sum, _ := strconv.Atoi(m[4])
		calls = append(calls, rpcCall{mode: m[1], a: a, b: b, sum: sum, server: m[5]})
	}
	return calls
}

func rpcTour(t *Tour) error {
	bin, err := t.Build("gee-rpc/day7-registry")
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
	if err := reg.WaitFor("listening on", 15*time.Second); err != nil {
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

	t.Say("The registry lists both (GET answers in the X-Geerpc-Servers header).")
	a, err := t.Request(http.MethodGet, regURL, "")
	if t.CheckAnswer(a, err, http.StatusOK, "") {
		listed := a.Header.Get("X-Geerpc-Servers")
		t.Check(listed == strings.Join(rpcAddrs, ",") || listed == rpcAddrs[1]+","+rpcAddrs[0],
			"X-Geerpc-Servers lists both servers: %q", listed)
	}

	t.Say("A client finds the servers through the registry: 6 calls per select mode, a broadcast, and a 1s Sleep with a 200ms deadline.")
	out, runErr := t.RunCmd("client", bin, "-role", "client", "-registry", regURL, "-calls", "6", "-sleep", "1s", "-deadline", "200ms")
	t.Check(runErr == nil, "the client exits with status 0 (%v)", runErr)
	calls := parseRPCCalls(out)
	perMode := map[string]map[string]int{}
	sumsRight := true
	for _, c := range calls {
		if perMode[c.mode] == nil {
			perMode[c.mode] = map[string]int{}
		}
		perMode[c.mode][c.server]++
		if c.a+c.b != c.sum {
			sumsRight = false
		}
	}
	t.Check(len(calls) == 13, "13 Foo.Sum results printed (6 random, 6 round-robin, 1 broadcast): got %d", len(calls))
	t.Check(sumsRight, "every Foo.Sum result is the sum of its arguments")
	known := func(counts map[string]int) bool {
		for s := range counts {
			if s != rpcAddrs[0] && s != rpcAddrs[1] {
				return false
			}
		}
		return true
	}
	t.Check(known(perMode["random"]) && known(perMode["round-robin"]) && known(perMode["broadcast"]),
		"every answer comes from a registered server")
	rr := perMode["round-robin"]
	t.Check(rr[rpcAddrs[0]] == 3 && rr[rpcAddrs[1]] == 3, "round-robin alternates: %d calls on %s, %d on %s",
		rr[rpcAddrs[0]], rpcAddrs[0], rr[rpcAddrs[1]], rpcAddrs[1])
	random := perMode["random"]
	t.Check(random[rpcAddrs[0]]+random[rpcAddrs[1]] == 6, "random: %d calls on %s, %d on %s",
		random[rpcAddrs[0]], rpcAddrs[0], random[rpcAddrs[1]], rpcAddrs[1])
	t.Check(len(perMode["broadcast"]) == 1, "broadcast fills its reply from one server")
	t.Check(rpcDeadlineLine.MatchString(out), "the slow call misses its deadline with context deadline exceeded")
	t.Check(strings.Contains(out, "all calls behaved"), "the client says all calls behaved")

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
		want := perMode["random"][rpcAddrs[i]] + perMode["round-robin"][rpcAddrs[i]] + 1
		t.Check(len(rows) == 2 && counts["Sum"] == want, "%s: Foo.Sum counted %d calls, the client sent %d", rpcAddrs[i], counts["Sum"], want)
		totalSleep += counts["Sleep"]
	}
	t.Check(totalSleep == 1, "Foo.Sleep was called once in all (it still ran after the client gave up): %d", totalSleep)

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
	out, runErr = t.RunCmd("client", bin, "-role", "client", "-registry", regURL, "-mode", "roundrobin", "-calls", "4")
	t.Check(runErr == nil, "the client exits with status 0 (%v)", runErr)
	calls = parseRPCCalls(out)
	allOnFirst := len(calls) == 5
	for _, c := range calls {
		if c.server != rpcAddrs[0] || c.a+c.b != c.sum {
			allOnFirst = false
		}
	}
	t.Check(allOnFirst, "all 5 Foo.Sum results are right and come from server1 (%s)", rpcAddrs[0])
	t.Check(strings.Contains(out, "all calls behaved"), "the client says all calls behaved")

	t.Say("Stopping server1 and the registry with SIGTERM.")
	servers[0].Stop()
	t.Check(strings.Contains(servers[0].Output(), "stopped"), "server1 stopped cleanly")
	reg.Stop()
	t.Check(strings.Contains(reg.Output(), "stopped"), "the registry stopped cleanly")
	return nil
}
