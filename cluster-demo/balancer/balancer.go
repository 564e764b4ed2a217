// Package balancer holds cluster-demo's load balancers, each registered with
// grpc-go under its own name when the package is imported:
//
//	gee_round_robin           every node in turn
//	gee_weighted_round_robin  smooth weighted round robin as in Nginx, with an
//	                          efficient weight that falls on errors and recovers
//	gee_random                a uniformly random node
//	gee_weighted_random       a random node, chances proportional to weight
//	gee_hash                  hash of a key from the context (WithHashKey)
//	gee_consistent_hash       the same key on a ring with virtual nodes, so few
//	                          keys move when nodes come and go
//	gee_least_active          the node with the fewest calls in flight
//	gee_fastest               the node with the lowest decaying average latency
//	gee_least_loaded          power of two choices over the load the servers
//	                          report in each response's trailer (package loadreport)
//
// All of them are grpc-go base balancers (balancer/base) with their own
// PickerBuilder. Before choosing, every picker narrows the ready nodes with
// route.FilterForPick (direct, exclude, group, health), then drops the nodes
// outlier ejection has taken out (when the config turns it on, see
// EjectionConfig), and after choosing it tells a route.PickRecorder in the
// context, if any, the address it picked. State that must outlive a picker
// (round-robin position, weights, in-flight counts, latencies, reported
// load, ejections) lives per ClientConn keyed by address, so the picker
// rebuilt on every connection change keeps it.
//
// Select one with client.Dial(ctx, reg, service, balancer.RoundRobin) or a
// service config {"loadBalancingConfig":[{"gee_round_robin":{"ejection":{}}}]}.
package balancer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"google.golang.org/grpc/balancer"
	"google.golang.org/grpc/balancer/base"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/serviceconfig"
	"google.golang.org/grpc/status"

	"cluster-demo/resolver"
	"cluster-demo/route"
)

// Names under which the balancers are registered.
const (
	RoundRobin         = "gee_round_robin"
	WeightedRoundRobin = "gee_weighted_round_robin"
	Random             = "gee_random"
	WeightedRandom     = "gee_weighted_random"
	Hash               = "gee_hash"
	ConsistentHash     = "gee_consistent_hash"
	LeastActive        = "gee_least_active"
	Fastest            = "gee_fastest"
	LeastLoaded        = "gee_least_loaded"
)

// Names lists every balancer of this package, in the order above.
var Names = []string{RoundRobin, WeightedRoundRobin, Random, WeightedRandom, Hash, ConsistentHash, LeastActive, Fastest, LeastLoaded}

func init() {
	register(RoundRobin, func() policy { return &roundRobin{} })
	register(WeightedRoundRobin, func() policy { return &smoothWeighted{} })
	register(Random, func() policy { return randomPolicy{} })
	register(WeightedRandom, func() policy { return weightedRandom{} })
	register(Hash, func() policy { return hashPolicy{} })
	register(ConsistentHash, func() policy { return consistentHash{} })
	register(LeastActive, func() policy { return &leastActive{} })
	register(Fastest, func() policy { return &fastest{now: time.Now} })
	register(LeastLoaded, func() policy { return &leastLoaded{now: time.Now} })
}

// Config is the balancer config accepted in the service config, e.g.
// {"gee_consistent_hash":{"virtualNodes":200}}. Fields a balancer does not
// use are ignored by it; unknown fields are an error.
type Config struct {
	serviceconfig.LoadBalancingConfig `json:"-"`

	// VirtualNodes is the number of ring points per node for
	// gee_consistent_hash (default DefaultVirtualNodes, at most 10000).
	VirtualNodes int `json:"virtualNodes,omitempty"`
	// HalfLife is how fast gee_fastest forgets a latency and
	// gee_least_loaded a reported load (default DefaultHalfLife), as a Go
	// duration string like "500ms".
	HalfLife Duration `json:"halfLife,omitempty"`
	// Ejection turns outlier ejection on for any balancer of this package;
	// nil (no "ejection" key) leaves it off. client.Dial sets it.
	Ejection *EjectionConfig `json:"ejection,omitempty"`
}

// Defaults for Config.
const (
	DefaultVirtualNodes = 160
	DefaultHalfLife     = 2 * time.Second
	maxVirtualNodes     = 10000
)

// Duration is a time.Duration written in JSON as a string ("1.5s").
type Duration time.Duration

// UnmarshalJSON parses a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("balancer: duration must be a string like \"500ms\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("balancer: %w", err)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

func (c Config) withDefaults() Config {
	if c.VirtualNodes == 0 {
		c.VirtualNodes = DefaultVirtualNodes
	}
	if c.HalfLife == 0 {
		c.HalfLife = Duration(DefaultHalfLife)
	}
	if c.Ejection != nil {
		e := c.Ejection.withDefaults()
		c.Ejection = &e
	}
	return c
}

// policy is what differs between the balancers. prepare runs on every
// picker build with the ready nodes sorted by address and returns the
// function that picks among the candidates: the nodes that passed the
// route filters and ejection (never empty). Each policy keeps its choice in
// a method named pick.
type policy interface {
	prepare(cfg Config, entries []*entry) chooser
}

// chooser picks one of cands. A done it returns is that pick's own
// callback, called when the call ends; a nil done means the entry's own
// (entry.done, set in prepare, may be nil).
type chooser func(info balancer.PickInfo, cands []*entry) (e *entry, done func(balancer.DoneInfo))

// entry is one ready node in a picker.
type entry struct {
	node route.Node
	sc   balancer.SubConn
	st   *nodeState
	// done is the Done callback of a policy whose callback needs nothing
	// but the entry; made once in prepare so that a pick allocates nothing.
	done func(balancer.DoneInfo)
	// finish is done plus the ejection bookkeeping, made once per build;
	// probed ends a probe call (see ejector).
	finish, probed func(balancer.DoneInfo)
}

// RouteNode implements route.Candidate.
func (e *entry) RouteNode() route.Node { return e.node }

// nodeState is the per-address state kept across picker rebuilds. Each
// policy uses its own fields.
type nodeState struct {
	weighted weightedState // gee_weighted_round_robin, guarded by smoothWeighted.mu
	active   activeState   // gee_least_active
	latency  latencyState  // gee_fastest
	load     loadState     // gee_least_loaded
	eject    ejectState    // outlier ejection, any policy
}

// builder wraps base's builder so that each ClientConn gets its own
// pickerBuilder (and so its own per-address state), and to read Config.
type builder struct {
	name      string
	newPolicy func() policy
}

func register(name string, newPolicy func() policy) {
	balancer.Register(&builder{name: name, newPolicy: newPolicy})
}

// Name implements balancer.Builder.
func (b *builder) Name() string { return b.name }

// Build implements balancer.Builder: a base balancer around a picker
// builder of this ClientConn's own.
func (b *builder) Build(cc balancer.ClientConn, opts balancer.BuildOptions) balancer.Balancer {
	pb := &pickerBuilder{policy: b.newPolicy(), states: make(map[string]*nodeState), cfg: Config{}.withDefaults(), now: time.Now}
	inner := base.NewBalancerBuilder(b.name, pb, base.Config{HealthCheck: true}).Build(cc, opts)
	return &configured{Balancer: inner, pb: pb}
}

// ParseConfig implements balancer.ConfigParser.
func (b *builder) ParseConfig(js json.RawMessage) (serviceconfig.LoadBalancingConfig, error) {
	var cfg Config
	if len(bytes.TrimSpace(js)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return nil, fmt.Errorf("balancer: %s config %s: %w", b.name, js, err)
		}
	}
	if cfg.VirtualNodes < 0 || cfg.VirtualNodes > maxVirtualNodes {
		return nil, fmt.Errorf("balancer: %s: virtualNodes %d out of range 0..%d", b.name, cfg.VirtualNodes, maxVirtualNodes)
	}
	if cfg.HalfLife < 0 {
		return nil, fmt.Errorf("balancer: %s: negative halfLife %s", b.name, time.Duration(cfg.HalfLife))
	}
	if cfg.Ejection != nil {
		if err := cfg.Ejection.check(); err != nil {
			return nil, fmt.Errorf("balancer: %s: %w", b.name, err)
		}
	}
	return &cfg, nil
}

// configured passes the parsed Config to the picker builder before base
// rebuilds the picker.
type configured struct {
	balancer.Balancer
	pb *pickerBuilder
}

// UpdateClientConnState hands the parsed Config to the picker builder,
// then lets base handle the new addresses.
func (c *configured) UpdateClientConnState(s balancer.ClientConnState) error {
	if cfg, ok := s.BalancerConfig.(*Config); ok && cfg != nil {
		c.pb.setConfig(cfg.withDefaults())
	}
	return c.Balancer.UpdateClientConnState(s)
}

type pickerBuilder struct {
	policy policy
	now    func() time.Time

	mu     sync.Mutex
	cfg    Config
	states map[string]*nodeState
	ej     *ejector // nil while ejection is off
}

func (pb *pickerBuilder) setConfig(cfg Config) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	pb.cfg = cfg
	switch {
	case cfg.Ejection == nil:
		pb.ej = nil
	case pb.ej == nil:
		pb.ej = newEjector(*cfg.Ejection, pb.now)
	default:
		pb.ej.setConfig(*cfg.Ejection)
	}
}

// Build implements base.PickerBuilder.
func (pb *pickerBuilder) Build(info base.PickerBuildInfo) balancer.Picker {
	if len(info.ReadySCs) == 0 {
		return base.NewErrPicker(balancer.ErrNoSubConnAvailable)
	}
	pb.mu.Lock()
	defer pb.mu.Unlock()
	entries := make([]*entry, 0, len(info.ReadySCs))
	states := make(map[string]*nodeState, len(info.ReadySCs))
	for sc, sci := range info.ReadySCs {
		addr := sci.Address.Addr
		st := pb.states[addr]
		if st == nil {
			st = &nodeState{}
		}
		states[addr] = st
		entries = append(entries, &entry{
			node: route.Node{Addr: addr, Group: resolver.GroupOf(sci.Address), Weight: resolver.WeightOf(sci.Address)},
			sc:   sc,
			st:   st,
		})
	}
	// Nodes that are no longer ready lose their state; it starts afresh
	// when they come back.
	pb.states = states
	sort.Slice(entries, func(i, j int) bool { return entries[i].node.Addr < entries[j].node.Addr })
	choose := pb.policy.prepare(pb.cfg, entries)
	for _, e := range entries {
		e.finish = e.done
	}
	if pb.ej != nil {
		pb.ej.track(entries)
	}
	return &picker{entries: entries, choose: choose, ej: pb.ej}
}

type picker struct {
	entries []*entry
	choose  chooser
	ej      *ejector // nil while ejection is off
}

// Pick implements balancer.Picker: filter, drop ejected nodes (or send a
// probe to one whose time is up), then let the policy choose.
func (p *picker) Pick(info balancer.PickInfo) (balancer.PickResult, error) {
	cands, rec, err := route.FilterForPick(info.Ctx, p.entries)
	if err != nil {
		return balancer.PickResult{}, err
	}
	var e *entry
	var done func(balancer.DoneInfo)
	if p.ej != nil {
		var probe *entry
		if cands, probe = p.ej.admit(cands); probe != nil {
			e, done = probe, probe.probed
		}
	}
	if e == nil {
		e, done = p.choose(info, cands)
		switch {
		case done == nil:
			done = e.finish
		case p.ej != nil: // a callback of this pick only (gee_fastest)
			own, ej := done, p.ej
			done = func(di balancer.DoneInfo) {
				own(di)
				ej.observe(e.st, di.Err)
			}
		}
	}
	if rec != nil { // failover wants the registered address it is trying
		rec.Record(e.node.Addr)
	}
	return balancer.PickResult{SubConn: e.sc, Done: done}, nil
}

// nodeFault reports whether err says something about the node rather than
// about the request or the caller, so that balancers should trust the node
// less.
func nodeFault(err error) bool {
	if err == nil {
		return false
	}
	switch status.Code(err) {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Internal, codes.Unknown, codes.ResourceExhausted, codes.DataLoss:
		return true
	}
	return false
}
