package balancer

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// EjectionConfig turns on outlier ejection, the feedback loop from call
// results to the candidate list: a node whose calls keep failing with
// transport errors or timeouts (codes.Unavailable, codes.DeadlineExceeded)
// leaves the candidates for an ejection time, after which one call probes
// it; the node comes back if the probe succeeds and is ejected again, for
// longer, if it fails. Zero fields take the defaults below; a threshold of
// -1 turns that rule off. In JSON: {"gee_round_robin":{"ejection":{"consecutiveFailures":3}}}.
type EjectionConfig struct {
	// ConsecutiveFailures ejects a node after this many failed calls in a
	// row (default DefaultConsecutiveFailures).
	ConsecutiveFailures int `json:"consecutiveFailures,omitempty"`
	// FailureRatePercent ejects a node once this share of its calls within
	// Window failed, counted from MinCalls calls on (default
	// DefaultFailureRatePercent).
	FailureRatePercent int `json:"failureRatePercent,omitempty"`
	// MinCalls is how many calls a window needs before its failure rate
	// counts (default DefaultMinCalls).
	MinCalls int `json:"minCalls,omitempty"`
	// Window is the length of the windows the failure rate is counted in
	// (default DefaultWindow).
	Window Duration `json:"window,omitempty"`
	// BaseEjectionTime is the first ejection's length; the n-th ejection in
	// a row lasts n times as long (default DefaultBaseEjectionTime).
	BaseEjectionTime Duration `json:"baseEjectionTime,omitempty"`
	// MaxEjectionTime caps an ejection; a node that stayed in for that long
	// starts again from the base time (default DefaultMaxEjectionTime).
	MaxEjectionTime Duration `json:"maxEjectionTime,omitempty"`
	// MaxEjectionPercent caps the share of the ready nodes out at once,
	// though one node may always be out (default DefaultMaxEjectionPercent).
	MaxEjectionPercent int `json:"maxEjectionPercent,omitempty"`
}

// Defaults for EjectionConfig.
const (
	DefaultConsecutiveFailures = 5
	DefaultFailureRatePercent  = 50
	DefaultMinCalls            = 10
	DefaultWindow              = 10 * time.Second
	DefaultBaseEjectionTime    = time.Second
	DefaultMaxEjectionTime     = 30 * time.Second
	DefaultMaxEjectionPercent  = 50
)

func (c EjectionConfig) withDefaults() EjectionConfig {
	orDefault := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	orDefault(&c.ConsecutiveFailures, DefaultConsecutiveFailures)
	orDefault(&c.FailureRatePercent, DefaultFailureRatePercent)
	orDefault(&c.MinCalls, DefaultMinCalls)
	orDefault(&c.MaxEjectionPercent, DefaultMaxEjectionPercent)
	if c.Window == 0 {
		c.Window = Duration(DefaultWindow)
	}
	if c.BaseEjectionTime == 0 {
		c.BaseEjectionTime = Duration(DefaultBaseEjectionTime)
	}
	if c.MaxEjectionTime == 0 {
		c.MaxEjectionTime = Duration(max(DefaultMaxEjectionTime, time.Duration(c.BaseEjectionTime)))
	}
	return c
}

// check rejects settings that cannot mean anything.
func (c EjectionConfig) check() error {
	switch {
	case c.ConsecutiveFailures < -1:
		return fmt.Errorf("ejection: consecutiveFailures %d, want -1 (off), 0 (default) or more", c.ConsecutiveFailures)
	case c.FailureRatePercent < -1 || c.FailureRatePercent > 100:
		return fmt.Errorf("ejection: failureRatePercent %d, want -1 (off), 0 (default) or up to 100", c.FailureRatePercent)
	case c.ConsecutiveFailures == -1 && c.FailureRatePercent == -1:
		return errors.New("ejection: both consecutiveFailures and failureRatePercent are off; leave out \"ejection\" instead")
	case c.MinCalls < 0:
		return fmt.Errorf("ejection: negative minCalls %d", c.MinCalls)
	case c.MaxEjectionPercent < 0 || c.MaxEjectionPercent > 100:
		return fmt.Errorf("ejection: maxEjectionPercent %d, want 0..100", c.MaxEjectionPercent)
	case c.Window < 0 || c.BaseEjectionTime < 0 || c.MaxEjectionTime < 0:
		return errors.New("ejection: negative duration")
	}
	return nil
}

// A node's ejection mode. Only the ejector moves a node out and back in;
// a pick moves an ejected node whose time is up to probing.
const (
	admitted int32 = iota
	ejected
	probing // ejected, with one probe call in flight
)

// ejectState is one node's ejection bookkeeping.
type ejectState struct {
	mode  atomic.Int32
	until atomic.Int64 // unix nanoseconds: when the ejection ends

	mu              sync.Mutex // guards the counts
	consecutive     int
	windowStart     int64
	calls, failures int

	// guarded by ejector.mu
	ejections  int   // ejections in a row; sets the next one's length
	admittedAt int64 // unix nanoseconds of the last re-admission
}

// record counts one call's outcome and reports whether the node is now an
// outlier: ConsecutiveFailures failures in a row, or FailureRatePercent of
// at least MinCalls calls within the current window.
func (s *ejectState) record(failed bool, now int64, cfg *EjectionConfig) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now-s.windowStart >= int64(cfg.Window) {
		s.windowStart, s.calls, s.failures = now, 0, 0
	}
	s.calls++
	if !failed {
		s.consecutive = 0
		return false
	}
	s.failures++
	s.consecutive++
	if cfg.ConsecutiveFailures > 0 && s.consecutive >= cfg.ConsecutiveFailures {
		return true
	}
	return cfg.FailureRatePercent > 0 && s.calls >= cfg.MinCalls && s.failures*100 >= cfg.FailureRatePercent*s.calls
}

// forget clears the counts, so a node back in starts with a clean slate.
func (s *ejectState) forget(now int64) {
	s.mu.Lock()
	s.consecutive, s.calls, s.failures, s.windowStart = 0, 0, 0, now
	s.mu.Unlock()
}

// verdict is what one call says about its node.
type verdict int

const (
	noVerdict verdict = iota // cancelled by the caller: nothing learned
	succeeded                // the node answered, even if with an error
	failed                   // transport error or timeout
)

func verdictOf(err error) verdict {
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded:
		return failed
	case codes.Canceled:
		return noVerdict
	}
	return succeeded
}

// ejector runs outlier ejection for one ClientConn's picker builder. Picks
// read modes with atomics; ejecting and re-admitting, which need the count
// of nodes out, take mu.
type ejector struct {
	now func() time.Time
	cfg atomic.Pointer[EjectionConfig]
	out atomic.Int32 // nodes ejected or probing; picks skip the scan while 0

	mu    sync.Mutex
	nodes []*nodeState // the ready nodes of the latest picker
}

func newEjector(cfg EjectionConfig, now func() time.Time) *ejector {
	j := &ejector{now: now}
	j.setConfig(cfg)
	return j
}

func (j *ejector) setConfig(cfg EjectionConfig) { j.cfg.Store(&cfg) }

// track makes the ready nodes of a new picker the ones ejection counts,
// and gives each entry its callbacks: finish (the policy's done, then the
// outcome) and probed (the end of a probe call).
func (j *ejector) track(entries []*entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.nodes = j.nodes[:0]
	out := int32(0)
	for _, e := range entries {
		st := e.st
		j.nodes = append(j.nodes, st)
		if st.eject.mode.Load() != admitted {
			out++
		}
		if own := e.done; own != nil {
			e.finish = func(di balancer.DoneInfo) {
				own(di)
				j.observe(st, di.Err)
			}
		} else {
			e.finish = func(di balancer.DoneInfo) { j.observe(st, di.Err) }
		}
		e.probed = func(di balancer.DoneInfo) { j.endProbe(st, di.Err) }
	}
	j.out.Store(out)
}

// admit drops the ejected candidates. If one of them is due for a probe
// (its time is up and no probe is in flight), it returns that one instead:
// this call goes there to learn whether the node recovered. When every
// candidate is out it keeps them all: a doubtful node beats no node.
func (j *ejector) admit(cands []*entry) (kept []*entry, probe *entry) {
	if j.out.Load() == 0 {
		return cands, nil
	}
	now := j.now().UnixNano()
	for i, e := range cands {
		s := &e.st.eject
		mode := s.mode.Load()
		if mode == ejected && now >= s.until.Load() && s.mode.CompareAndSwap(ejected, probing) {
			return cands, e
		}
		if mode == admitted {
			if kept != nil {
				kept = append(kept, e)
			}
			continue
		}
		if kept == nil { // first node out: copy the ones before it
			kept = make([]*entry, i, len(cands)-1)
			copy(kept, cands[:i])
		}
	}
	if len(kept) == 0 { // nobody out (kept nil), or everybody out
		return cands, nil
	}
	return kept, nil
}

// observe feeds one call's outcome to its node's counts and ejects the
// node when they make it an outlier. Calls that ended after their node
// went out (picked before) are ignored: the probe decides.
func (j *ejector) observe(st *nodeState, err error) {
	v := verdictOf(err)
	if v == noVerdict || st.eject.mode.Load() != admitted {
		return
	}
	if st.eject.record(v == failed, j.now().UnixNano(), j.cfg.Load()) {
		j.eject(st)
	}
}

// eject takes st out for its next ejection time, unless the share of
// nodes out is used up (then the node stays in and the next failure tries
// again).
func (j *ejector) eject(st *nodeState) {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := &st.eject
	if s.mode.Load() != admitted || !slices.Contains(j.nodes, st) {
		return // already out, or gone from the picker meanwhile
	}
	cfg := j.cfg.Load()
	if int(j.out.Load()) >= max(1, len(j.nodes)*cfg.MaxEjectionPercent/100) {
		return
	}
	now := j.now()
	if now.UnixNano()-s.admittedAt >= int64(cfg.MaxEjectionTime) {
		s.ejections = 0 // in long enough: start from the base time again
	}
	s.ejections++
	s.until.Store(now.Add(ejectionTime(cfg, s.ejections)).UnixNano())
	s.mode.Store(ejected)
	j.out.Add(1)
}

// endProbe settles a probe call: success brings the node back with clean
// counts and no latency history (else gee_fastest would shun it for the
// penalties that got it ejected), failure ejects it again for longer, a
// cancelled probe lets the next call probe.
func (j *ejector) endProbe(st *nodeState, err error) {
	v := verdictOf(err)
	j.mu.Lock()
	defer j.mu.Unlock()
	s := &st.eject
	now := j.now()
	switch v {
	case noVerdict:
		s.mode.Store(ejected) // its time is up already
	case failed:
		s.ejections++
		s.until.Store(now.Add(ejectionTime(j.cfg.Load(), s.ejections)).UnixNano())
		s.mode.Store(ejected)
	case succeeded:
		s.forget(now.UnixNano())
		st.latency.forget() // judged afresh, like a node that reconnects
		s.admittedAt = now.UnixNano()
		s.mode.Store(admitted)
		if slices.Contains(j.nodes, st) { // a node that left is not counted
			j.out.Add(-1)
		}
	}
}

// ejectionTime is the length of the n-th ejection in a row: n base times,
// capped.
func ejectionTime(cfg *EjectionConfig, n int) time.Duration {
	base, limit := time.Duration(cfg.BaseEjectionTime), time.Duration(cfg.MaxEjectionTime)
	return min(base*time.Duration(n), max(base, limit))
}
