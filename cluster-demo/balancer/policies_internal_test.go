package balancer

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/balancer/base"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cluster-demo/registry"
	"cluster-demo/resolver"
	"cluster-demo/route"
)

// doneOf is the callback Pick hands gRPC for a pick, ejection aside: the
// pick's own, else the entry's, else none.
func doneOf(e *entry, done func(balancer.DoneInfo)) func(balancer.DoneInfo) {
	switch {
	case done != nil:
		return done
	case e.done != nil:
		return e.done
	}
	return func(balancer.DoneInfo) {}
}

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
			doneOf(e, done)(fail)
		} else {
			doneOf(e, done)(balancer.DoneInfo{})
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
	e, done := choose(balancer.PickInfo{Ctx: context.Background()}, es[:1])
	doneOf(e, done)(balancer.DoneInfo{Err: status.Error(codes.InvalidArgument, "bad id")})
	if heavy.efficient.Load() != heavy.weight.Load() {
		t.Fatalf("InvalidArgument lowered the weight to %d", heavy.efficient.Load())
	}
	heavy.efficient.Store(1)
	for i := 0; i < 100; i++ {
		e, done := choose(balancer.PickInfo{Ctx: context.Background()}, es)
		doneOf(e, done)(balancer.DoneInfo{})
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

// fakeSubConn stands in for a grpc-go SubConn; a picker only hands it back.
type fakeSubConn struct {
	balancer.SubConn
	addr string
}

// readyInfo is what base passes to Build when the given addresses (with
// their weights) are ready. The SubConns come from conns, so a rebuild can
// reuse them as base does.
func readyInfo(conns map[string]*fakeSubConn, weights map[string]int) base.PickerBuildInfo {
	info := base.PickerBuildInfo{ReadySCs: map[balancer.SubConn]base.SubConnInfo{}}
	for addr, w := range weights {
		if conns[addr] == nil {
			conns[addr] = &fakeSubConn{addr: addr}
		}
		a := resolver.Addresses([]registry.ServiceInstance{{Name: "user", Addr: addr, Weight: w}})[0]
		info.ReadySCs[conns[addr]] = base.SubConnInfo{Address: a}
	}
	return info
}

func pickAddrs(t *testing.T, p balancer.Picker, n int, fail string) string {
	t.Helper()
	var got []string
	for range n {
		res, err := p.Pick(balancer.PickInfo{Ctx: context.Background()})
		if err != nil {
			t.Fatal(err)
		}
		addr := res.SubConn.(*fakeSubConn).addr
		got = append(got, addr)
		if res.Done != nil {
			var err error
			if addr == fail {
				err = status.Error(codes.Unavailable, "down")
			}
			res.Done(balancer.DoneInfo{Err: err})
		}
	}
	return strings.Join(got, ",")
}

// base rebuilds the picker on every SubConn state change; the state of the
// nodes that stay must carry over, keyed by address, or the sequences and
// penalties restart each time a connection flaps.
func TestPickerRebuildKeepsStateByAddress(t *testing.T) {
	t.Run("smooth weighted sequence and efficient weight", func(t *testing.T) {
		pb := &pickerBuilder{policy: &smoothWeighted{}, states: map[string]*nodeState{}, cfg: Config{}.withDefaults()}
		conns := map[string]*fakeSubConn{}
		weights := map[string]int{"a:1": 5, "b:1": 1, "c:1": 1}
		if got := pickAddrs(t, pb.Build(readyInfo(conns, weights)), 3, ""); got != "a:1,a:1,b:1" {
			t.Fatalf("first picker: %s", got)
		}
		// Rebuilt with the same nodes: the sequence goes on, it does not restart.
		if got := pickAddrs(t, pb.Build(readyInfo(conns, weights)), 4, ""); got != "a:1,c:1,a:1,a:1" {
			t.Fatalf("after a rebuild: %s, want the rest of a,a,b,a,c,a,a", got)
		}
		// A penalty earned before a rebuild (a new node joining) stays.
		pickAddrs(t, pb.Build(readyInfo(conns, weights)), 7, "a:1")
		eff := pb.states["a:1"].weighted.efficient.Load()
		if eff >= 5 {
			t.Fatalf("a failed and kept efficient weight %d", eff)
		}
		weights["d:1"] = 1
		pb.Build(readyInfo(conns, weights))
		if got := pb.states["a:1"].weighted.efficient.Load(); got != eff {
			t.Fatalf("efficient weight of a went from %d to %d across a rebuild", eff, got)
		}
	})
	t.Run("round robin position", func(t *testing.T) {
		pb := &pickerBuilder{policy: &roundRobin{}, states: map[string]*nodeState{}, cfg: Config{}.withDefaults()}
		conns := map[string]*fakeSubConn{}
		weights := map[string]int{"a:1": 1, "b:1": 1, "c:1": 1}
		got := pickAddrs(t, pb.Build(readyInfo(conns, weights)), 2, "") + "," +
			pickAddrs(t, pb.Build(readyInfo(conns, weights)), 4, "")
		if got != "a:1,b:1,c:1,a:1,b:1,c:1" {
			t.Fatalf("picks across a rebuild: %s", got)
		}
	})
	t.Run("state of a node that left starts afresh", func(t *testing.T) {
		pb := &pickerBuilder{policy: &leastActive{}, states: map[string]*nodeState{}, cfg: Config{}.withDefaults()}
		conns := map[string]*fakeSubConn{}
		pb.Build(readyInfo(conns, map[string]int{"a:1": 1, "b:1": 1}))
		pb.states["a:1"].active.n.Store(3)
		pb.Build(readyInfo(conns, map[string]int{"b:1": 1}))
		pb.Build(readyInfo(conns, map[string]int{"a:1": 1, "b:1": 1}))
		if n := pb.states["a:1"].active.n.Load(); n != 0 {
			t.Fatalf("a came back with %d calls in flight from its old connection", n)
		}
	})
}
