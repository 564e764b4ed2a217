package main

import (
	"fmt"
	"path/filepath"
	"strings"
)

// A clusterExercise is one balancer policy or rate limiter of cluster-demo, written by the
// reader and graded by its package's tests. cluster-demo is one module, not a chain of
// chapters, so the functions of each exercise are listed here rather than derived from a diff.
type clusterExercise struct {
	Name  string   // exercise name after "cluster-demo/"
	Pkg   string   // package folder in cluster-demo; its tests grade the exercise
	Page  string   // doc page that explains it
	Title string   // one line for `gee exercise list`
	Topic []string // what the page calls it: its paragraphs are the exercise's text and hints
	Funcs []string // "file.go Recv.Name" or "file.go Name", file relative to Pkg
}

// clusterExercises is the one list to update when cluster-demo's policies or limiters change
// shape: gee check fails, naming the entry, when a function here no longer exists.
var clusterExercises = []clusterExercise{
	{"balancer-round-robin", "balancer", "docs/cluster-demo/load-balancing.md",
		"round robin: nodes in turn", []string{"gee_round_robin"},
		[]string{"policies.go roundRobin.pick"}},
	{"balancer-smooth-weighted", "balancer", "docs/cluster-demo/load-balancing.md",
		"Nginx's smooth weighted round robin, backing off failing nodes",
		[]string{"gee_weighted_round_robin", "smooth weighted"},
		[]string{"policies.go smoothWeighted.prepare", "policies.go smoothWeighted.pick", "policies.go smoothWeighted.done"}},
	{"balancer-random", "balancer", "docs/cluster-demo/load-balancing.md",
		"uniform random", []string{"gee_random"},
		[]string{"policies.go randomPolicy.pick"}},
	{"balancer-weighted-random", "balancer", "docs/cluster-demo/load-balancing.md",
		"random with chances proportional to weight", []string{"gee_weighted_random"},
		[]string{"policies.go weightedRandom.pick"}},
	{"balancer-hash", "balancer", "docs/cluster-demo/load-balancing.md",
		"the same key to the same node, by modulo",
		[]string{"gee_hash", "Hash and consistent hash"},
		[]string{"policies.go hash64", "policies.go hashPolicy.pick"}},
	{"balancer-consistent-hash", "balancer", "docs/cluster-demo/load-balancing.md",
		"a hash ring with virtual nodes: a leaving node moves only its keys",
		[]string{"gee_consistent_hash", "Hash and consistent hash"},
		[]string{"policies.go buildRing", "policies.go hashRing.pick", "policies.go contains"}},
	{"balancer-least-active", "balancer", "docs/cluster-demo/load-balancing.md",
		"the node with the fewest calls in flight", []string{"gee_least_active", "Least active"},
		[]string{"policies.go leastActive.prepare", "policies.go leastActive.pick"}},
	{"balancer-fastest", "balancer", "docs/cluster-demo/load-balancing.md",
		"the fastest-response balancer (the seeds' homework): lowest decayed latency times load",
		[]string{"gee_fastest", "Fastest response"},
		[]string{"policies.go latencyState.decayed", "policies.go latencyState.record", "policies.go latencyState.forget", "policies.go fastest.pick"}},
	{"balancer-least-loaded", "balancer", "docs/cluster-demo/load-balancing.md",
		"power of two choices over the load the servers report",
		[]string{"gee_least_loaded", "Least loaded", "power of two choices"},
		[]string{"loaded.go leastLoaded.pick", "loaded.go loadState.cost", "loaded.go loadState.done"}},
	{"balancer-ejection", "balancer", "docs/cluster-demo/load-balancing.md",
		"outlier ejection: failing nodes leave the candidates, probes bring them back",
		[]string{"Outlier ejection", "ejection", "ejector"},
		[]string{"ejection.go ejectState.record", "ejection.go ejector.admit", "ejection.go ejector.observe",
			"ejection.go ejector.eject", "ejection.go ejector.endProbe", "ejection.go ejectionTime"}},
	{"ratelimit-token-bucket", "ratelimit", "docs/cluster-demo/rate-limiting.md",
		"token bucket: bursts up to capacity, then the refill rate", []string{"TokenBucket", "token bucket"},
		[]string{"tokenbucket.go TokenBucket.Allow", "tokenbucket.go TokenBucket.refill"}},
	{"ratelimit-fixed-window", "ratelimit", "docs/cluster-demo/rate-limiting.md",
		"fixed window: a counter per window", []string{"FixedWindow", "fixed window"},
		[]string{"fixedwindow.go FixedWindow.Allow"}},
	{"ratelimit-sliding-window", "ratelimit", "docs/cluster-demo/rate-limiting.md",
		"sliding window: no burst at the boundary", []string{"SlidingWindow", "sliding window"},
		[]string{"slidingwindow.go SlidingWindow.Allow"}},
	{"ratelimit-leaky-bucket", "ratelimit", "docs/cluster-demo/rate-limiting.md",
		"leaky bucket: calls spaced out, queued up to capacity", []string{"LeakyBucket", "leaky bucket"},
		[]string{"leakybucket.go LeakyBucket.Reserve", "leakybucket.go LeakyBucket.Acquire"}},
}

func findClusterExercise(name string) (clusterExercise, bool) {
	for _, ce := range clusterExercises {
		if "cluster-demo/"+ce.Name == name {
			return ce, true
		}
	}
	return clusterExercise{}, false
}

// load turns the list entry into an exercise by reading the named functions from the code.
func (ce clusterExercise) load(root string) (*exercise, error) {
	const mod = "cluster-demo"
	ex := &exercise{
		Name:    mod + "/" + ce.Name,
		Title:   ce.Title,
		Src:     mod,
		ModPath: mod,
		Page:    ce.Page,
		Pkgs:    []string{"./" + ce.Pkg},
		Topic:   ce.Topic,
	}
	all, err := exParseDir(filepath.Join(root, mod), ce.Pkg, nil)
	if err != nil {
		return nil, err
	}
	for _, spec := range ce.Funcs {
		file, fn, ok := strings.Cut(spec, " ")
		if !ok {
			return nil, fmt.Errorf("cluster exercise %s: entry %q is not \"file.go Func\"", ex.Name, spec)
		}
		recv, name, isMethod := strings.Cut(fn, ".")
		if !isMethod {
			recv, name = "", fn
		}
		found := false
		for _, f := range all {
			if f.File == ce.Pkg+"/"+file && f.Recv == recv && f.Name == name {
				ex.Funcs = append(ex.Funcs, f)
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("cluster exercise %s: no %s in cluster-demo/%s/%s; update clusterExercises in scripts/gee/exercise_cluster.go", ex.Name, fn, ce.Pkg, file)
		}
	}
	exAssignIDs(ex.Funcs)
	return ex, nil
}
