package balancer

import (
	"context"
	"math"
	"testing"
	"time"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cluster-demo/route"
)

func entries(weights ...int) []*entry {
	es := make([]*entry, len(weights))
	for i, w := range weights {
		es[i] = &entry{node: route.Node{Addr: string(rune('a' + i)), Weight: w}, st: &nodeState{}}
	}
	return es
}

func TestSmoothWeightedEfficientWeightNeverZeroNorAboveWeight(t *testing.T) {
	s := &smoothWeighted{}
	es := entries(10, 1)
	choose := s.prepare(Config{}, es)
	fail := balancer.DoneInfo{Err: status.Error(codes.Unavailable, "down")}
	heavy := &es[0].st.weighted
	for i := 0; i < 1000; i++ {
		e, done := choose(balancer.PickInfo{Ctx: context.Background()}, es)
		if e == es[0] {
			done(fail)
		} else {
			done(balancer.DoneInfo{})
		}
		if eff, w := heavy.efficient.Load(), heavy.weight.Load(); eff < 1 || eff > w {
			t.Fatalf("efficient weight %d out of 1..%d", eff, w)
		}
	}
	if eff := heavy.efficient.Load(); eff != 1 {
		t.Fatalf("after steady failures efficient weight is %d, want the floor 1", eff)
	}
	// Caller mistakes say nothing about the node.
	for _, e := range es {
		e.st.weighted.efficient.Store(e.st.weighted.weight.Load())
	}
	_, done := choose(balancer.PickInfo{Ctx: context.Background()}, es[:1])
	done(balancer.DoneInfo{Err: status.Error(codes.InvalidArgument, "bad id")})
	if heavy.efficient.Load() != heavy.weight.Load() {
		t.Fatalf("InvalidArgument lowered the weight to %d", heavy.efficient.Load())
	}
	heavy.efficient.Store(1)
	for i := 0; i < 100; i++ {
		_, done := choose(balancer.PickInfo{Ctx: context.Background()}, es)
		done(balancer.DoneInfo{})
	}
	if heavy.efficient.Load() != heavy.weight.Load() {
		t.Fatalf("after successes efficient weight is %d, want it back at %d", heavy.efficient.Load(), heavy.weight.Load())
	}
}

func TestSmoothWeightedCurrentStaysBoundedWhenFiltersChangeTheSet(t *testing.T) {
	s := &smoothWeighted{}
	es := entries(1<<20, 1<<20, 1)
	choose := s.prepare(Config{}, es)
	// Alternate between subsets, as group and exclude filters would.
	subsets := [][]*entry{es, es[:2], es[1:], es[2:], {es[0], es[2]}}
	for i := 0; i < 300000; i++ {
		choose(balancer.PickInfo{}, subsets[i%len(subsets)])
	}
	for _, e := range es {
		if c := e.st.weighted.current; c > 1<<40 || c < -(1<<40) {
			t.Fatalf("current weight of %s drifted to %d", e.node.Addr, c)
		}
	}
}

func TestWeightChangeResetsSmoothWeightedState(t *testing.T) {
	s := &smoothWeighted{}
	es := entries(4)
	s.prepare(Config{}, es)
	es[0].st.weighted.efficient.Store(1)
	es[0].node.Weight = 8 // the registry now says 8
	s.prepare(Config{}, es)
	if w := &es[0].st.weighted; w.weight.Load() != 8 || w.efficient.Load() != 8 {
		t.Fatalf("after a weight change: weight %d efficient %d, want 8 and 8", w.weight.Load(), w.efficient.Load())
	}
}

func TestFastestDecaysOldLatency(t *testing.T) {
	now := time.Unix(1000, 0)
	f := &fastest{now: func() time.Time { return now }}
	es := entries(1, 1)
	choose := f.prepare(Config{HalfLife: Duration(time.Second)}, es)
	// a answers in 100ms, b in 10ms.
	for _, e := range es {
		latency := 10 * time.Millisecond
		if e == es[0] {
			latency = 100 * time.Millisecond
		}
		for {
			got, done := choose(balancer.PickInfo{}, []*entry{e})
			now = now.Add(latency)
			done(balancer.DoneInfo{})
			if got == e {
				break
			}
		}
	}
	if got, done := choose(balancer.PickInfo{}, es); got != es[1] {
		t.Fatal("the slow node was picked over the fast one")
	} else {
		done(balancer.DoneInfo{})
	}
	// b stays busy answering; a, idle, decays: 100ms halves to 6.25ms after
	// four half-lives, below b's 10ms, so a gets tried again.
	now = now.Add(4 * time.Second)
	es[1].st.latency.avgBits.Store(math.Float64bits(float64(10 * time.Millisecond)))
	es[1].st.latency.updated.Store(now.UnixNano())
	if got, _ := choose(balancer.PickInfo{}, es); got != es[0] {
		t.Fatal("the once-slow node is never tried again")
	}
}

func TestFastestCountsFailuresAsSlow(t *testing.T) {
	now := time.Unix(1000, 0)
	f := &fastest{now: func() time.Time { return now }}
	es := entries(1)
	choose := f.prepare(Config{HalfLife: Duration(time.Second)}, es)
	_, done := choose(balancer.PickInfo{}, es)
	done(balancer.DoneInfo{Err: status.Error(codes.Unavailable, "down")}) // instant failure
	if avg := math.Float64frombits(es[0].st.latency.avgBits.Load()); avg < float64(errorPenalty) {
		t.Fatalf("a failing node looks fast: average %v", time.Duration(avg))
	}
}

func TestParseConfig(t *testing.T) {
	b := &builder{name: ConsistentHash}
	cfg, err := b.ParseConfig([]byte(`{"virtualNodes": 50, "halfLife": "250ms"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c := cfg.(*Config); c.VirtualNodes != 50 || time.Duration(c.HalfLife) != 250*time.Millisecond {
		t.Fatalf("parsed %+v", c)
	}
	for _, bad := range []string{`{"virtualNodes": -1}`, `{"virtualNodes": 20000}`, `{"halfLife": 5}`, `{"halfLife": "soon"}`, `{"halfLife": "-1s"}`, `{"replicas": 3}`, `[1]`} {
		if _, err := b.ParseConfig([]byte(bad)); err == nil {
			t.Errorf("config %s accepted", bad)
		}
	}
}

// Regression: comparing averages alone sent every concurrent pick made
// between two Done callbacks to the same node (the demo's slow node got 573
// of 1000 calls). Calls in flight now count in the cost.
func TestFastestDoesNotHerdConcurrentCallsOntoOneNode(t *testing.T) {
	now := time.Unix(1000, 0)
	f := &fastest{now: func() time.Time { return now }}
	es := entries(1, 1, 1)
	for i, ms := range []float64{1, 1.2, 3} {
		es[i].st.latency.avgBits.Store(math.Float64bits(ms * float64(time.Millisecond)))
		es[i].st.latency.updated.Store(now.UnixNano())
	}
	choose := f.prepare(Config{HalfLife: Duration(time.Second)}, es)
	got := map[string]int{}
	var dones []func(balancer.DoneInfo)
	for i := 0; i < 8; i++ { // eight callers pick before any call ends
		e, done := choose(balancer.PickInfo{}, es)
		got[e.node.Addr]++
		dones = append(dones, done)
	}
	if got["a"] > 4 || got["b"] == 0 {
		t.Fatalf("8 concurrent picks went %v; want them shared, not piled on the fastest", got)
	}
	for _, done := range dones {
		done(balancer.DoneInfo{})
	}
	for _, e := range es {
		if n := e.st.latency.inflight.Load(); n != 0 {
			t.Fatalf("%s has %d calls in flight after every Done", e.node.Addr, n)
		}
	}
}
