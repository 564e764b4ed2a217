package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// The cluster-demo part of the tour. Every cluster demo is a self-contained
// program: it starts its servers on loopback ports it picks itself, registers
// them in the in-memory registry, drives them, prints what happened and a
// "RESULT <demo>: ok" line, and exits non-zero when its own checks fail. The
// tour builds each one, runs it to completion, shows the transcript and
// checks the exit status and the lines that carry the outcome.

func init() { registerTour("cluster-demo", clusterTour) }

// clusterDemo is one demo to run and what its output must show.
type clusterDemo struct {
	pkg   string   // main package, relative to the repo root
	args  []string // flags for the run
	say   string   // what the reader is about to see
	lines []string // regular expressions, each must match a line of the output
}

var clusterDemos = []clusterDemo{
	{
		pkg:  "cluster-demo/cmd/balancers",
		args: nil,
		say:  "Balancers side by side: three weighted servers, the same calls through each balancer, the spread per node.",
		lines: []string{
			`^check ok: \d+ calls answered, 0 failed$`,
			`^check ok: gee_round_robin spreads evenly`,
			`^check ok: gee_weighted_round_robin follows the weights`,
		},
	},
	{
		pkg:  "cluster-demo/cmd/abrouting",
		args: nil,
		say:  "A/B routing: the group travels in the context and in metadata, and only that group's nodes serve.",
		lines: []string{
			`^check ok: every call stayed in its lane on both hops \(0 strayed\)`,
			`^group C \(no nodes\): .*code = Unavailable desc = route: group filter`,
		},
	},
	{
		pkg:  "cluster-demo/cmd/failover",
		args: []string{"-host", "127.0.0.1"},
		say:  "Failover: three servers, node-2 crashes mid-run (it stays registered); idempotent calls are retried on nodes not tried yet, so no call fails.",
		lines: []string{
			`^killing node-2 \(127\.0\.0\.1:\d+\) after \d+ calls`,
			`^calls: (\d+) ok, 0 failed$`,
		},
	},
	{
		pkg:   "cluster-demo/cmd/failover",
		args:  []string{"-host", "127.0.0.1", "-strategy", "failfast"},
		say:   "The same crash with failfast: one attempt per call, so calls in flight on node-2 may fail (how many depends on timing).",
		lines: []string{},
	},
	{
		pkg:  "cluster-demo/cmd/broadcast",
		args: []string{"-host", "127.0.0.1"},
		say:  "Broadcast and multicast: one call to every node (all replies on a channel), to group B only, the first reply, and no replies.",
		lines: []string{
			`^check ok: broadcast reached \[node-1 node-2 node-3\]$`,
			`^check ok: multicast to B reached \[node-2 node-3\]$`,
			`^check ok: first reply came from node-3$`,
			`^check ok: every node acknowledged the no-reply broadcast once$`,
			`^check ok: multicast to an empty group fails and closes the reply channel$`,
		},
	},
	{
		pkg:  "cluster-demo/cmd/feedback",
		args: []string{"-host", "127.0.0.1"},
		say:  "Results flow back: node-2 fails and is ejected, then a probe takes it back once healed; a hung node-3 is ejected after three per-attempt timeouts; gee_least_loaded reads the load each server reports in its trailers and keeps calls off a slow node.",
		lines: []string{
			`^check ok: no call failed while node-2 was failing`,
			`^check ok: node-2 was left out after 3 failures in a row`,
			`^check ok: node-2 answered a probe and was taken back`,
			`^check ok: node-2 has its share again \(10 of 30\)`,
			`^check ok: node-3 was left out after 3 timeouts`,
			`^check ok: gee_least_loaded gave the slow node-3 \d+ of 400 calls`,
		},
	},
	{
		pkg:  "cluster-demo/cmd/ratelimit",
		args: []string{"-host", "127.0.0.1", "-burst", "20", "-limit", "5"},
		say:  "Rate limiting: a burst of 20 concurrent calls against a server behind each limiter allowing 5.",
		lines: []string{
			`^token bucket \(capacity 5, .*\): passed 5, rejected 15$`,
			`^leaky bucket \(capacity 5, .*\): passed 5, rejected 15$`,
			`^fixed window \(5 calls per .*\): passed 5, rejected 15$`,
			`^sliding window \(5 calls per .*\): passed 5, rejected 15$`,
			`code = ResourceExhausted desc = ratelimit: token bucket`,
		},
	},
}

func clusterTour(t *Tour) error {
	t.Say("cluster-demo: every demo starts its own gRPC servers on 127.0.0.1 with free ports and the in-memory registry.")
	for _, d := range clusterDemos {
		if err := t.Context().Err(); err != nil {
			return err
		}
		t.Say("%s", d.say)
		if _, err := os.Stat(filepath.Join(t.Root(), d.pkg)); err != nil {
			t.Check(false, "%s exists", d.pkg)
			continue
		}
		bin, err := t.Build(d.pkg)
		if err != nil {
			// One demo that does not build should not hide the others.
			t.Check(false, "%s builds: %v", d.pkg, err)
			continue
		}
		cmdline := strings.Join(append([]string{filepath.Base(d.pkg)}, d.args...), " ")
		out, runErr := t.RunCmd(filepath.Base(d.pkg), bin, d.args...)
		t.Check(runErr == nil, "%s exits with status 0%s", cmdline, clusterErrSuffix(runErr))
		clusterCheckResults(t, filepath.Base(d.pkg), out)
		for _, pattern := range d.lines {
			re := regexp.MustCompile(pattern)
			found := ""
			for _, line := range strings.Split(out, "\n") {
				if re.MatchString(line) {
					found = line
					break
				}
			}
			if found != "" {
				t.Check(true, "prints %q", found)
			} else {
				t.Check(false, "prints a line matching %q", pattern)
			}
		}
	}
	clusterStandardTools(t)
	return nil
}

// clusterStandardTools starts cmd/server, the standalone server, and talks
// to it the way an outside user would: grpcurl lists its services through
// reflection, calls GetByID and asks the health service; then SIGTERM
// stops it. Without grpcurl on PATH the tour says how to get it.
func clusterStandardTools(t *Tour) {
	t.Say("Standard tools: cmd/server is one server on its own, with gRPC health checking and reflection; grpcurl lists and calls it, and SIGTERM drains and stops it.")
	bin, err := t.Build("cluster-demo/cmd/server")
	if err != nil {
		t.Check(false, "cluster-demo/cmd/server builds: %v", err)
		return
	}
	p, err := t.Start("server", bin, "-name", "node-1")
	if err != nil {
		t.Check(false, "cmd/server starts: %v", err)
		return
	}
	defer p.Stop()
	if err := p.WaitFor("listening on ", 30*time.Second); err != nil {
		t.Check(false, "cmd/server says where it listens: %v", err)
		return
	}
	m := regexp.MustCompile(`listening on (\S+)`).FindStringSubmatch(p.Output())
	if m == nil {
		t.Check(false, "cmd/server prints its address")
		return
	}
	addr := m[1]
	t.Check(true, "cmd/server listens on %s", addr)
	if grpcurl, err := exec.LookPath("grpcurl"); err != nil {
		t.Say("grpcurl is not on PATH, so the tour skips calling cmd/server with it. To see that part: go install github.com/fullstorydev/grpcurl/cmd/grpcurl@latest, put $(go env GOPATH)/bin on PATH, run the tour again.")
	} else {
		out, err := t.RunCmd("grpcurl", grpcurl, "-plaintext", addr, "list")
		t.Check(err == nil && strings.Contains(out, "clusterdemo.user.UserService") && strings.Contains(out, "grpc.health.v1.Health"),
			"grpcurl list shows clusterdemo.user.UserService and grpc.health.v1.Health (reflection)")
		out, err = t.RunCmd("grpcurl", grpcurl, "-plaintext", "-d", `{"id": 42}`, addr, "clusterdemo.user.UserService/GetByID")
		t.Check(err == nil && strings.Contains(out, `"node": "node-1"`), "grpcurl calls GetByID and node-1 answers")
		out, err = t.RunCmd("grpcurl", grpcurl, "-plaintext", addr, "grpc.health.v1.Health/Check")
		t.Check(err == nil && strings.Contains(out, `"status": "SERVING"`), "grpcurl asks the health service: SERVING")
	}
	p.Stop()
	p.mu.Lock()
	exitErr := p.exitErr
	p.mu.Unlock()
	t.Check(exitErr == nil && strings.Contains(p.Output(), "stopped"), "cmd/server stops cleanly on SIGTERM (exit status 0, prints \"stopped\")%s", clusterErrSuffix(exitErr))
}

// clusterCheckResults checks the verdict lines a demo prints: no "check"
// line other than "check ok:", and at least one RESULT line, each reporting
// ok (failfast's result is a count, not a verdict, and is accepted as is).
func clusterCheckResults(t *Tour, name, out string) {
	var results []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "RESULT ") {
			results = append(results, line)
		}
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "check ") && !strings.HasPrefix(line, "check ok:") {
			t.Check(false, "%s: %s", name, line)
		}
	}
	if len(results) == 0 {
		t.Check(false, "%s prints a RESULT line", name)
		return
	}
	for _, r := range results {
		ok := strings.Contains(r, ": ok") || strings.HasPrefix(r, "RESULT failfast:")
		t.Check(ok, "%s reports %q", name, r)
	}
}

func clusterErrSuffix(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprintf(" (got %v)", err)
}
