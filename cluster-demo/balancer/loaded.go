package balancer

import (
	"math"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/balancer"

	"cluster-demo/loadreport"
)

// leastLoaded is "power of two choices" over the load the servers report:
// each pick draws two different candidates at random and takes the less
// loaded one. A node's load is what it reported in its last response
// trailer (package loadreport: its calls in flight from every client, plus
// its CPU share), decayed by age, plus the calls this client has sent it
// since. Two random choices instead of the global minimum keep concurrent
// callers from all rushing to the same node between two reports, and the
// decay lets a node that reported a high load once be tried again; a
// server that reports nothing is judged by this client's calls alone.
type leastLoaded struct {
	now func() time.Time
}

// loadState is what gee_least_loaded knows of one node.
type loadState struct {
	inflight atomic.Int64  // this client's calls in flight on the node
	reported atomic.Uint64 // float64 load from the node's last report
	at       atomic.Int64  // unix nanoseconds of that report
}

func (l *leastLoaded) prepare(cfg Config, entries []*entry) chooser {
	halfLife := time.Duration(cfg.HalfLife)
	for _, e := range entries {
		s := &e.st.load
		e.done = func(di balancer.DoneInfo) { s.done(di, l.now()) }
	}
	return func(_ balancer.PickInfo, cands []*entry) (*entry, func(balancer.DoneInfo)) {
		return l.pick(cands, halfLife), nil
	}
}

// pick compares two different random candidates and takes the one with
// the lower cost, counting the call on it.
func (l *leastLoaded) pick(cands []*entry, halfLife time.Duration) *entry {
	best := cands[0]
	if n := len(cands); n > 1 {
		i, j := rand.IntN(n), rand.IntN(n-1)
		if j >= i {
			j++ // j is any index but i
		}
		now := l.now()
		best = cands[i]
		if other := cands[j]; other.st.load.cost(now, halfLife) < best.st.load.cost(now, halfLife) {
			best = other
		}
	}
	best.st.load.inflight.Add(1)
	return best
}

// cost is the node's last reported load, halved every halfLife since the
// report, plus this client's calls in flight on it.
func (s *loadState) cost(now time.Time, halfLife time.Duration) float64 {
	reported := math.Float64frombits(s.reported.Load())
	if age := now.UnixNano() - s.at.Load(); reported > 0 && age > 0 {
		reported *= math.Exp2(-float64(age) / float64(halfLife))
	}
	return reported + float64(s.inflight.Load())
}

// done counts the call off and keeps the load its response reported.
func (s *loadState) done(di balancer.DoneInfo, now time.Time) {
	s.inflight.Add(-1)
	if r, ok := loadreport.FromTrailer(di.Trailer); ok {
		s.reported.Store(math.Float64bits(r.Load()))
		s.at.Store(now.UnixNano())
	}
}
