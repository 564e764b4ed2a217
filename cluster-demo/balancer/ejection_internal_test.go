package balancer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"cluster-demo/loadreport"
	"cluster-demo/route"
)

// fakeClock is a clock the tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// ejectingPicker builds a picker of policy over addrs with ejection on.
func ejectingPicker(t *testing.T, p policy, cfg EjectionConfig, addrs ...string) (*pickerBuilder, *fakeClock, func() balancer.Picker) {
	t.Helper()
	clock := &fakeClock{t: time.Unix(1000, 0)}
	pb := &pickerBuilder{policy: p, states: map[string]*nodeState{}, now: clock.now}
	pb.setConfig(Config{Ejection: &cfg}.withDefaults())
	conns := map[string]*fakeSubConn{}
	weights := map[string]int{}
	for _, a := range addrs {
		weights[a] = 1
	}
	return pb, clock, func() balancer.Picker { return pb.Build(readyInfo(conns, weights)) }
}

var (
	unavailable = status.Error(codes.Unavailable, "down")
	timedOut    = status.Error(codes.DeadlineExceeded, "too slow")
)

// call picks once and ends the call with the error fail returns for the
// picked address.
func call(t *testing.T, p balancer.Picker, fail func(addr string) error) string {
	t.Helper()
	res, err := p.Pick(balancer.PickInfo{Ctx: context.Background()})
	if err != nil {
		t.Fatal(err)
	}
	addr := res.SubConn.(*fakeSubConn).addr
	if res.Done != nil {
		res.Done(balancer.DoneInfo{Err: fail(addr)})
	}
	return addr
}

func failing(bad string, err error) func(string) error {
	return func(addr string) error {
		if addr == bad {
			return err
		}
		return nil
	}
}

func count(t *testing.T, p balancer.Picker, n int, fail func(string) error) map[string]int {
	t.Helper()
	got := map[string]int{}
	for range n {
		got[call(t, p, fail)]++
	}
	return got
}

func TestConsecutiveFailuresEjectAndProbeReadmits(t *testing.T) {
	pb, clock, build := ejectingPicker(t, &roundRobin{}, EjectionConfig{ConsecutiveFailures: 3, FailureRatePercent: -1, BaseEjectionTime: Duration(time.Second)}, "a:1", "b:1", "c:1")
	p := build()
	// Round robin gives b every third call: its third failure is call 8.
	got := count(t, p, 9, failing("b:1", unavailable))
	if got["b:1"] != 3 {
		t.Fatalf("first 9 calls %v, want b tried 3 times", got)
	}
	if mode := pb.states["b:1"].eject.mode.Load(); mode != ejected {
		t.Fatalf("b mode %d after 3 failures in a row, want ejected", mode)
	}
	if got := count(t, p, 30, failing("b:1", unavailable)); got["b:1"] != 0 || got["a:1"] != 15 {
		t.Fatalf("while ejected %v, want a and c only", got)
	}
	// Time is up: the next call is the probe, and b has recovered.
	clock.advance(time.Second)
	if addr := call(t, p, failing("none", nil)); addr != "b:1" {
		t.Fatalf("first call after the ejection time went to %s, want the probe to b", addr)
	}
	if mode := pb.states["b:1"].eject.mode.Load(); mode != admitted {
		t.Fatalf("b mode %d after a successful probe, want admitted", mode)
	}
	if got := count(t, p, 30, failing("none", nil)); got["b:1"] != 10 {
		t.Fatalf("after re-admission %v, want b back at a third", got)
	}
}

// Regression: gee_fastest kept the error penalties that got a node
// ejected, so after a successful probe it shunned the node for seconds
// more (in CI, 0 of 60 calls). A node back in is judged afresh.
func TestReadmittedNodeStartsWithoutLatencyHistory(t *testing.T) {
	f := &fastest{}
	pb, clock, build := ejectingPicker(t, f, EjectionConfig{ConsecutiveFailures: 1, FailureRatePercent: -1, BaseEjectionTime: Duration(time.Second)}, "a:1", "b:1", "c:1")
	f.now = clock.now
	p := build()
	timed := func(fail func(string) error) string { // each call takes 1ms
		res, err := p.Pick(balancer.PickInfo{Ctx: context.Background()})
		if err != nil {
			t.Fatal(err)
		}
		addr := res.SubConn.(*fakeSubConn).addr
		clock.advance(time.Millisecond)
		res.Done(balancer.DoneInfo{Err: fail(addr)})
		return addr
	}
	for range 3 { // each node unmeasured, so each is tried once
		timed(failing("b:1", unavailable))
	}
	if mode := pb.states["b:1"].eject.mode.Load(); mode != ejected {
		t.Fatalf("b mode %d after its failure, want ejected", mode)
	}
	clock.advance(time.Second)
	if addr := timed(failing("none", nil)); addr != "b:1" {
		t.Fatalf("call after the ejection time went to %s, want the probe to b", addr)
	}
	if addr := timed(failing("none", nil)); addr != "b:1" {
		t.Fatalf("first call after b came back went to %s, want b: it has no latency yet", addr)
	}
}

func TestFailedProbeEjectsForLongerEachTime(t *testing.T) {
	pb, clock, build := ejectingPicker(t, &roundRobin{}, EjectionConfig{ConsecutiveFailures: 1, FailureRatePercent: -1,
		BaseEjectionTime: Duration(time.Second), MaxEjectionTime: Duration(3 * time.Second)}, "a:1", "b:1")
	p := build()
	fail := failing("b:1", unavailable)
	count(t, p, 2, fail) // b fails once: ejected for 1s
	s := &pb.states["b:1"].eject
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second} {
		left := time.Duration(s.until.Load() - clock.t.UnixNano())
		if left != want {
			t.Fatalf("ejection %d lasts %v, want %v", i+1, left, want)
		}
		clock.advance(left - time.Millisecond)
		if got := count(t, p, 5, fail); got["b:1"] != 0 {
			t.Fatalf("ejection %d: b called before its time was up: %v", i+1, got)
		}
		clock.advance(time.Millisecond)
		if addr := call(t, p, fail); addr != "b:1" { // the probe fails
			t.Fatalf("ejection %d: no probe when the time was up (call went to %s)", i+1, addr)
		}
	}
	// A node that then stays in for MaxEjectionTime starts from the base again.
	clock.advance(3 * time.Second)
	call(t, p, failing("none", nil)) // probe succeeds
	clock.advance(3 * time.Second)
	count(t, p, 2, fail)
	if left := time.Duration(s.until.Load() - clock.t.UnixNano()); left != time.Second {
		t.Fatalf("ejection after a long healthy spell lasts %v, want the base 1s", left)
	}
}

func TestFailureRateOverWindowEjects(t *testing.T) {
	pb, clock, build := ejectingPicker(t, &roundRobin{}, EjectionConfig{ConsecutiveFailures: -1, FailureRatePercent: 50, MinCalls: 10, Window: Duration(10 * time.Second)}, "a:1", "b:1")
	p := build()
	b := &pb.states["b:1"].eject
	// b fails every other call: never two in a row, half of all calls.
	n := 0
	alternate := func(addr string) error {
		if addr != "b:1" {
			return nil
		}
		n++
		if n%2 == 0 {
			return unavailable
		}
		return nil
	}
	count(t, p, 18, alternate) // b: 9 calls, 4 failed
	if b.mode.Load() != admitted {
		t.Fatal("ejected before the window had MinCalls calls")
	}
	count(t, p, 2, alternate) // b: 10 calls, 5 failed = 50 %
	if b.mode.Load() != ejected {
		t.Fatal("not ejected at 50 % failures over 10 calls")
	}
	// A new window starts the count again.
	clock.advance(time.Hour)
	call(t, p, failing("none", nil)) // probe: back in
	n = 0
	for range 5 {
		count(t, p, 2, alternate)
		clock.advance(3 * time.Second) // windows of 10s hold at most 4 of b's calls here
	}
	if b.mode.Load() != admitted {
		t.Fatal("ejected on failures spread over several windows")
	}
}

func TestEjectionNeverTakesMoreThanItsShareButAlwaysOne(t *testing.T) {
	for _, tc := range []struct {
		nodes, percent, want int
	}{
		{4, 50, 2},
		{4, 10, 1}, // 10 % of 4 is 0.4: still one may go
		{2, 100, 2},
		{1, 50, 1},
	} {
		t.Run(fmt.Sprintf("%d nodes %d%%", tc.nodes, tc.percent), func(t *testing.T) {
			var addrs []string
			for i := range tc.nodes {
				addrs = append(addrs, fmt.Sprintf("n%d:1", i))
			}
			pb, _, build := ejectingPicker(t, &roundRobin{}, EjectionConfig{ConsecutiveFailures: 1, FailureRatePercent: -1, MaxEjectionPercent: tc.percent, BaseEjectionTime: Duration(time.Hour)}, addrs...)
			p := build()
			everyone := func(string) error { return unavailable }
			got := count(t, p, 10*tc.nodes, everyone)
			out := 0
			for _, a := range addrs {
				if pb.states[a].eject.mode.Load() != admitted {
					out++
				}
			}
			if out != tc.want {
				t.Fatalf("%d nodes out, want %d (calls %v)", out, tc.want, got)
			}
			if tc.want == tc.nodes && len(got) != tc.nodes {
				// Everyone out: calls still go somewhere, to all of them.
				t.Fatalf("with every node out calls went to %v, want all nodes still used", got)
			}
		})
	}
}

func TestCallsThatEndAfterEjectionDoNotDecideTheProbe(t *testing.T) {
	pb, clock, build := ejectingPicker(t, &roundRobin{}, EjectionConfig{ConsecutiveFailures: 2, FailureRatePercent: -1}, "a:1", "b:1")
	p := build()
	// Two calls to b in flight; both fail, the second ejects b.
	var pending []func(balancer.DoneInfo)
	for range 4 {
		res, _ := p.Pick(balancer.PickInfo{Ctx: context.Background()})
		if res.SubConn.(*fakeSubConn).addr == "b:1" {
			pending = append(pending, res.Done)
		} else {
			res.Done(balancer.DoneInfo{})
		}
	}
	res, _ := p.Pick(balancer.PickInfo{Ctx: context.Background()}) // a third, still in flight
	late := res.Done
	pending[0](balancer.DoneInfo{Err: unavailable})
	pending[1](balancer.DoneInfo{Err: unavailable})
	s := &pb.states["b:1"].eject
	if s.mode.Load() != ejected {
		t.Fatal("b not ejected after two failures")
	}
	late(balancer.DoneInfo{}) // a success picked before the ejection: ignored
	if s.mode.Load() != ejected {
		t.Fatal("a call picked before the ejection brought b back")
	}
	// A probe that the caller cancels decides nothing: the next call probes.
	clock.advance(time.Hour)
	res, _ = p.Pick(balancer.PickInfo{Ctx: context.Background()})
	if res.SubConn.(*fakeSubConn).addr != "b:1" {
		t.Fatal("no probe after the ejection time")
	}
	res.Done(balancer.DoneInfo{Err: status.Error(codes.Canceled, "caller gave up")})
	if addr := call(t, p, failing("none", nil)); addr != "b:1" {
		t.Fatalf("after a cancelled probe the next call went to %s, want a new probe", addr)
	}
	if s.mode.Load() != admitted {
		t.Fatal("a successful probe did not bring b back")
	}
}

func TestCallerErrorsAreNotNodeFailures(t *testing.T) {
	pb, _, build := ejectingPicker(t, &roundRobin{}, EjectionConfig{ConsecutiveFailures: 2, FailureRatePercent: -1}, "a:1", "b:1")
	p := build()
	count(t, p, 20, failing("b:1", status.Error(codes.InvalidArgument, "bad id")))
	count(t, p, 20, failing("b:1", status.Error(codes.Canceled, "caller gave up")))
	if mode := pb.states["b:1"].eject.mode.Load(); mode != admitted {
		t.Fatalf("b ejected (mode %d) for the callers' errors", mode)
	}
	count(t, p, 4, failing("b:1", timedOut))
	if mode := pb.states["b:1"].eject.mode.Load(); mode != ejected {
		t.Fatalf("b mode %d after two timeouts in a row, want ejected", mode)
	}
}

func TestEjectedNodeStaysOutForEveryPolicy(t *testing.T) {
	policies := map[string]func() policy{}
	for name, b := range registered() {
		policies[name] = b.newPolicy
	}
	for name, newPolicy := range policies {
		t.Run(name, func(t *testing.T) {
			pb, _, build := ejectingPicker(t, newPolicy(), EjectionConfig{ConsecutiveFailures: 1, FailureRatePercent: -1, BaseEjectionTime: Duration(time.Hour)}, "a:1", "b:1", "c:1")
			p := build()
			pb.states["b:1"].eject.mode.Store(admitted)
			// Hash keys vary, so the hash policies spread too.
			got := map[string]int{}
			for i := range 60 {
				res, err := p.Pick(balancer.PickInfo{Ctx: WithHashKey(context.Background(), fmt.Sprint("k", i))})
				if err != nil {
					t.Fatal(err)
				}
				addr := res.SubConn.(*fakeSubConn).addr
				got[addr]++
				if res.Done != nil {
					res.Done(balancer.DoneInfo{Err: failing("b:1", unavailable)(addr)})
				}
			}
			if got["b:1"] != 1 {
				t.Fatalf("calls %v, want b tried once and then left out", got)
			}
			// The route filters still come first: a call pinned to b goes there.
			res, err := p.Pick(balancer.PickInfo{Ctx: route.WithDirect(context.Background(), "b:1")})
			if err != nil || res.SubConn.(*fakeSubConn).addr != "b:1" {
				t.Fatalf("direct call to the ejected b: %v", err)
			}
		})
	}
}

// registered returns this package's builders by name.
func registered() map[string]*builder {
	out := map[string]*builder{}
	for _, name := range Names {
		out[name] = balancer.Get(name).(*builder)
	}
	return out
}

func TestEjectionConfigDefaultsAndChecks(t *testing.T) {
	b := &builder{name: RoundRobin}
	cfg, err := b.ParseConfig([]byte(`{"ejection":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.(*Config).withDefaults().Ejection
	want := EjectionConfig{DefaultConsecutiveFailures, DefaultFailureRatePercent, DefaultMinCalls, Duration(DefaultWindow),
		Duration(DefaultBaseEjectionTime), Duration(DefaultMaxEjectionTime), DefaultMaxEjectionPercent}
	if *got != want {
		t.Fatalf("defaults %+v, want %+v", *got, want)
	}
	if cfg, _ := b.ParseConfig([]byte(`{}`)); cfg.(*Config).withDefaults().Ejection != nil {
		t.Fatal("ejection on without an \"ejection\" key")
	}
	for _, bad := range []string{
		`{"ejection":{"consecutiveFailures":-2}}`,
		`{"ejection":{"failureRatePercent":101}}`,
		`{"ejection":{"consecutiveFailures":-1,"failureRatePercent":-1}}`,
		`{"ejection":{"maxEjectionPercent":150}}`,
		`{"ejection":{"minCalls":-1}}`,
		`{"ejection":{"baseEjectionTime":"-1s"}}`,
		`{"ejection":{"baseEjectionTme":"1s"}}`,
	} {
		if _, err := b.ParseConfig([]byte(bad)); err == nil {
			t.Errorf("config %s accepted", bad)
		}
	}
}

func TestLeastLoadedPrefersTheNodeReportingLessLoad(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1000, 0)}
	l := &leastLoaded{now: clock.now}
	es := entries(1, 1)
	choose := l.prepare(Config{HalfLife: Duration(time.Second)}, es)
	report := func(e *entry, inflight string) {
		e.st.load.inflight.Add(1)
		e.done(balancer.DoneInfo{Trailer: metadata.Pairs(loadreport.InFlightKey, inflight)})
	}
	report(es[0], "8") // a is busy with other clients' calls
	report(es[1], "0")
	for range 20 {
		e, _ := choose(balancer.PickInfo{}, es)
		if e != es[1] {
			t.Fatal("the node reporting 8 calls in flight was picked over an idle one")
		}
		doneOf(e, nil)(balancer.DoneInfo{})
	}
	// This client's own calls count too: b with 9 of them loses to a's 8.
	for range 9 {
		es[1].st.load.inflight.Add(1)
	}
	if e, _ := choose(balancer.PickInfo{}, es); e != es[0] {
		t.Fatal("calls in flight from this client did not count")
	}
	es[0].st.load.inflight.Add(-1)
	es[1].st.load.inflight.Store(0)
	// An old report fades: after 4 half-lives a's 8 counts as 0.5, still
	// more than b's 0; b then reports 2, and a is picked again.
	clock.advance(4 * time.Second)
	report(es[1], "2")
	es[1].st.load.inflight.Add(-1)
	if e, _ := choose(balancer.PickInfo{}, es); e != es[0] {
		t.Fatal("a stale high report kept the node out")
	}
	for _, e := range es {
		e.st.load.inflight.Store(0)
	}
	// A response without a report leaves the last one standing.
	es[1].st.load.inflight.Add(1)
	es[1].done(balancer.DoneInfo{})
	if got := es[1].st.load.cost(clock.now(), time.Second); got != 2 {
		t.Fatalf("cost after a response without a report: %v, want the 2 reported before", got)
	}
}

func TestLeastLoadedDrawsTwoDifferentCandidates(t *testing.T) {
	l := &leastLoaded{now: time.Now}
	es := entries(1, 1, 1)
	es[2].st.load.inflight.Store(100) // c never wins a comparison
	got := map[string]int{}
	for range 3000 {
		e := l.pick(es, time.Second)
		got[e.node.Addr]++
		e.st.load.inflight.Add(-1) // the call ended
	}
	// Two different candidates: c is compared and loses whenever drawn,
	// and a and b share the calls.
	if got["c"] > 0 || got["a"] < 1200 || got["b"] < 1200 {
		t.Fatalf("picks %v, want a and b about even and c never", got)
	}
}
