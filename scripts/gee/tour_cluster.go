package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
	return nil
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
