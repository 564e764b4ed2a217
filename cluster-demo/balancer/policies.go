package balancer

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/balancer"
)

// roundRobin hands out nodes in address order. The position lives in the
// policy (one per ClientConn), so a rebuilt picker goes on where the last
// one stopped.
type roundRobin struct{ next atomic.Uint64 }

func (r *roundRobin) prepare(Config, []*entry) chooser { return r.pick }

// pick takes the next candidate in turn.
func (r *roundRobin) pick(_ balancer.PickInfo, cands []*entry) (*entry, func(balancer.DoneInfo)) {
	n := r.next.Add(1) - 1
	return cands[n%uint64(len(cands))], nil
}

// smoothWeighted is Nginx's smooth weighted round robin. Every pick adds
// each candidate's efficient weight to its current weight, takes the
// candidate with the largest current weight and subtracts the total from
// it; weights 5,1,1 give a,a,b,a,c,a,a. The efficient weight starts at the
// configured weight, falls by half the weight on a node fault (never below
// 1, so the node is still tried and can recover) and grows back by 1 per
// success (never above the weight).
type smoothWeighted struct{ mu sync.Mutex }

type weightedState struct {
	weight    atomic.Int64 // configured weight the state was set up for
	efficient atomic.Int64 // changed by Done callbacks without taking mu
	current   int64        // guarded by smoothWeighted.mu
}

// currentLimit keeps current weights bounded even when route filters keep
// changing which nodes take part; within it the arithmetic cannot overflow
// (weights are at most registry.MaxWeight).
const currentLimit = 1 << 50

func (s *smoothWeighted) prepare(_ Config, entries []*entry) chooser {
	s.mu.Lock()
	for _, e := range entries {
		w := &e.st.weighted
		if w.weight.Load() != int64(e.node.Weight) { // new node or new weight
			w.weight.Store(int64(e.node.Weight))
			w.efficient.Store(int64(e.node.Weight))
			w.current = 0
		}
		e.done = func(di balancer.DoneInfo) { s.done(w, di.Err) }
	}
	s.mu.Unlock()
	return s.pick
}

// pick raises every candidate's current weight by its efficient weight and
// takes the largest, which then pays back the total.
func (s *smoothWeighted) pick(_ balancer.PickInfo, cands []*entry) (*entry, func(balancer.DoneInfo)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var total int64
	var best *entry
	for _, e := range cands {
		w := &e.st.weighted
		eff := w.efficient.Load()
		w.current += eff
		total += eff
		if best == nil || w.current > best.st.weighted.current {
			best = e
		}
	}
	bw := &best.st.weighted
	bw.current -= total
	if bw.current < -currentLimit {
		bw.current = 0
	}
	return best, nil // best.done adjusts the efficient weight
}

// done adjusts the efficient weight with compare-and-swap, so that the
// common case (a success at full weight) costs two atomic loads and no lock.
func (s *smoothWeighted) done(w *weightedState, err error) {
	switch {
	case nodeFault(err):
		for {
			eff := w.efficient.Load()
			lowered := max(1, eff-max(1, w.weight.Load()/2))
			if lowered == eff || w.efficient.CompareAndSwap(eff, lowered) {
				return
			}
		}
	case err == nil:
		for {
			eff := w.efficient.Load()
			if eff >= w.weight.Load() || w.efficient.CompareAndSwap(eff, eff+1) {
				return
			}
		}
	}
}

// randomPolicy picks uniformly.
type randomPolicy struct{}

func (p randomPolicy) prepare(Config, []*entry) chooser { return p.pick }

// pick takes any candidate, each as likely as the others.
func (randomPolicy) pick(_ balancer.PickInfo, cands []*entry) (*entry, func(balancer.DoneInfo)) {
	return cands[rand.IntN(len(cands))], nil
}

// weightedRandom picks at random with chances proportional to weight.
type weightedRandom struct{}

func (p weightedRandom) prepare(Config, []*entry) chooser { return p.pick }

// pick draws a number below the total weight and walks the candidates
// until their weights add up past it.
func (weightedRandom) pick(_ balancer.PickInfo, cands []*entry) (*entry, func(balancer.DoneInfo)) {
	total := 0
	for _, e := range cands {
		total += e.node.Weight
	}
	r := rand.IntN(total)
	for _, e := range cands {
		if r < e.node.Weight {
			return e, nil
		}
		r -= e.node.Weight
	}
	return cands[len(cands)-1], nil // unreachable: weights are positive
}

type hashKey struct{}

// WithHashKey sets the key gee_hash and gee_consistent_hash route calls by:
// calls with the same key go to the same node (while the nodes stay the
// same). Calls without a key go to a random node.
func WithHashKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, hashKey{}, key)
}

// HashKeyFrom returns the key set by WithHashKey.
func HashKeyFrom(ctx context.Context) (string, bool) {
	if ctx == nil {
		return "", false
	}
	k, ok := ctx.Value(hashKey{}).(string)
	return k, ok
}

// hash64 is 64-bit FNV-1a (inlined: hash/fnv would cost an interface and a
// byte-slice conversion per pick) finished with the splitmix64 mixer, since
// FNV spreads short, similar keys poorly in the low bits.
func hash64(s string) uint64 {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	x := uint64(offset64)
	for i := 0; i < len(s); i++ {
		x ^= uint64(s[i])
		x *= prime64
	}
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashPolicy maps the key onto the candidates by modulo: simple and even,
// but adding or removing a node moves most keys.
type hashPolicy struct{}

func (p hashPolicy) prepare(Config, []*entry) chooser { return p.pick }

// pick takes the candidate at hash(key) mod n.
func (hashPolicy) pick(info balancer.PickInfo, cands []*entry) (*entry, func(balancer.DoneInfo)) {
	key, ok := HashKeyFrom(info.Ctx)
	if !ok {
		return cands[rand.IntN(len(cands))], nil
	}
	return cands[hash64(key)%uint64(len(cands))], nil
}

// consistentHash places VirtualNodes points per node on a ring; a key goes
// to the first point clockwise from its hash whose node passed the filters.
// A node leaving moves only the keys it held.
type consistentHash struct{}

type ringPoint struct {
	hash  uint64
	entry *entry
}

// hashRing is the ring of one picker: every node's points, sorted by hash.
type hashRing struct {
	points []ringPoint
	nodes  int // entries the ring was built from
}

func (consistentHash) prepare(cfg Config, entries []*entry) chooser {
	return buildRing(entries, cfg.VirtualNodes).pick
}

// buildRing places virtualNodes points per entry, at the hashes of
// "<addr>#<i>", and sorts them.
func buildRing(entries []*entry, virtualNodes int) *hashRing {
	ring := &hashRing{points: make([]ringPoint, 0, len(entries)*virtualNodes), nodes: len(entries)}
	for _, e := range entries {
		for i := 0; i < virtualNodes; i++ {
			ring.points = append(ring.points, ringPoint{hash64(e.node.Addr + "#" + strconv.Itoa(i)), e})
		}
	}
	sort.Slice(ring.points, func(i, j int) bool { return ring.points[i].hash < ring.points[j].hash })
	return ring
}

// pick walks clockwise from the key's hash to the first point whose node
// is a candidate.
func (r *hashRing) pick(info balancer.PickInfo, cands []*entry) (*entry, func(balancer.DoneInfo)) {
	key, ok := HashKeyFrom(info.Ctx)
	if !ok {
		return cands[rand.IntN(len(cands))], nil
	}
	h := hash64(key)
	start := sort.Search(len(r.points), func(i int) bool { return r.points[i].hash >= h })
	all := len(cands) == r.nodes
	for i := range r.points {
		p := r.points[(start+i)%len(r.points)]
		if all || contains(cands, p.entry) {
			return p.entry, nil
		}
	}
	return cands[0], nil // unreachable: every candidate has ring points
}

func contains(cands []*entry, e *entry) bool {
	for _, c := range cands {
		if c == e {
			return true
		}
	}
	return false
}

// leastActive sends a call to the candidate with the fewest calls in
// flight, counted up at pick time and down in the Done callback. Ties are
// shared in turn, so idle nodes split the work evenly.
type leastActive struct{ next atomic.Uint64 }

type activeState struct{ n atomic.Int64 }

func (l *leastActive) prepare(_ Config, entries []*entry) chooser {
	for _, e := range entries {
		a := &e.st.active
		e.done = func(balancer.DoneInfo) { a.n.Add(-1) }
	}
	return l.pick
}

// pick takes the candidate with the fewest calls in flight, ties in turn,
// and counts the call; the entry's done counts it off again.
func (l *leastActive) pick(_ balancer.PickInfo, cands []*entry) (*entry, func(balancer.DoneInfo)) {
	var tied [16]*entry // the least busy candidates, on the stack while few
	ties := tied[:0]
	least := int64(math.MaxInt64)
	for _, e := range cands {
		switch n := e.st.active.n.Load(); {
		case n < least:
			least = n
			ties = append(ties[:0], e)
		case n == least:
			ties = append(ties, e)
		}
	}
	best := ties[l.next.Add(1)%uint64(len(ties))]
	best.st.active.n.Add(1)
	return best, nil
}

// fastest sends a call to the candidate with the lowest expected wait: its
// average latency times one plus its calls in flight (the "peak EWMA" cost
// of Finagle and Linkerd). Counting calls in flight matters as soon as
// callers are concurrent: on averages alone, every caller would rush to the
// node that looked fastest a moment ago, overload it, then all rush to the
// next one. The average decays towards zero while a node gets no calls
// (halving every HalfLife), so a node that was slow once is tried again
// later instead of being shunned forever; nodes without samples count as
// fastest, so every node gets tried. A call failing through the node's
// fault counts as a sample of at least errorPenalty.
type fastest struct {
	now  func() time.Time
	next atomic.Uint64
}

const (
	latencyWeight = 0.3 // weight of a new sample in the moving average
	errorPenalty  = time.Second
)

// latencyState is written under mu by Done callbacks and read without a
// lock by picks; a pick may see an average and a time from two different
// updates, which only makes one comparison slightly approximate.
type latencyState struct {
	inflight atomic.Int64
	avgBits  atomic.Uint64 // float64 nanoseconds, as of updated
	updated  atomic.Int64  // unix nanoseconds

	mu sync.Mutex // serialises updates
}

// decayed is the average as of now.
func (l *latencyState) decayed(now time.Time, halfLife time.Duration) float64 {
	avg := math.Float64frombits(l.avgBits.Load())
	if avg == 0 {
		return 0
	}
	elapsed := now.UnixNano() - l.updated.Load()
	if elapsed <= 0 {
		return avg
	}
	return avg * math.Exp2(-float64(elapsed)/float64(halfLife))
}

func (l *latencyState) record(end time.Time, sample float64, halfLife time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.decayed(end, halfLife)
	avg := sample
	if prev != 0 {
		avg = prev + latencyWeight*(sample-prev)
	}
	l.avgBits.Store(math.Float64bits(avg))
	l.updated.Store(end.UnixNano())
}

// forget drops the average: the node counts as not yet measured, which
// makes it the first choice of the next pick.
func (l *latencyState) forget() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.avgBits.Store(0)
}

func (f *fastest) prepare(cfg Config, _ []*entry) chooser {
	halfLife := time.Duration(cfg.HalfLife)
	return func(_ balancer.PickInfo, cands []*entry) (*entry, func(balancer.DoneInfo)) {
		return f.pick(cands, halfLife)
	}
}

// pick takes the candidate with the lowest decayed average latency times
// one plus its calls in flight, starting the scan at a rotating place so
// ties are shared. The callback times the call and feeds the average.
func (f *fastest) pick(cands []*entry, halfLife time.Duration) (*entry, func(balancer.DoneInfo)) {
	now := f.now()
	start := int(f.next.Add(1) % uint64(len(cands)))
	var best *entry
	bestCost := math.Inf(1)
	for i := range cands {
		e := cands[(start+i)%len(cands)]
		l := &e.st.latency
		if cost := l.decayed(now, halfLife) * float64(l.inflight.Load()+1); cost < bestCost {
			best, bestCost = e, cost
		}
	}
	l := &best.st.latency
	l.inflight.Add(1)
	return best, func(di balancer.DoneInfo) {
		l.inflight.Add(-1)
		end := f.now()
		sample := float64(end.Sub(now))
		if nodeFault(di.Err) {
			sample = max(sample, float64(errorPenalty))
		}
		l.record(end, sample, halfLife)
	}
}
