package bench

import (
	"context"
	"fmt"
	"testing"

	grpcbalancer "google.golang.org/grpc/balancer"
	"google.golang.org/grpc/connectivity"
	estats "google.golang.org/grpc/experimental/stats"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/serviceconfig"

	"cluster-demo/balancer"
	"cluster-demo/registry"
	cdresolver "cluster-demo/resolver"
)

// The pick benchmarks drive each balancer through grpc-go's balancer API
// with fake connections, then call its picker directly: the balancer's own
// cost per call, without the network noise of a shared machine.

// fakeConn is a balancer.ClientConn whose SubConns become ready when the
// harness says so; it keeps the latest picker.
type fakeConn struct {
	grpcbalancer.ClientConn
	pending []*fakeSubConn // connected, state change not delivered yet
	picker  grpcbalancer.Picker
	state   connectivity.State
}

type fakeSubConn struct {
	grpcbalancer.SubConn
	conn     *fakeConn
	addr     string
	listener func(grpcbalancer.SubConnState)
	health   func(grpcbalancer.SubConnState)
	started  bool
}

func (c *fakeConn) NewSubConn(addrs []resolver.Address, opts grpcbalancer.NewSubConnOptions) (grpcbalancer.SubConn, error) {
	return &fakeSubConn{conn: c, addr: addrs[0].Addr, listener: opts.StateListener}, nil
}
func (c *fakeConn) UpdateState(s grpcbalancer.State) {
	c.picker, c.state = s.Picker, s.ConnectivityState
}
func (c *fakeConn) ResolveNow(resolver.ResolveNowOptions)                    {}
func (c *fakeConn) Target() string                                           { return "registry:///user" }
func (c *fakeConn) MetricsRecorder() estats.MetricsRecorder                  { return noMetrics{} }
func (c *fakeConn) RemoveSubConn(grpcbalancer.SubConn)                       {}
func (c *fakeConn) UpdateAddresses(grpcbalancer.SubConn, []resolver.Address) {}

func (sc *fakeSubConn) Connect() {
	if !sc.started {
		sc.started = true
		sc.conn.pending = append(sc.conn.pending, sc)
	}
}
func (sc *fakeSubConn) RegisterHealthListener(f func(grpcbalancer.SubConnState)) { sc.health = f }
func (sc *fakeSubConn) Shutdown()                                                {}
func (sc *fakeSubConn) UpdateAddresses([]resolver.Address)                       {}

type noMetrics struct{ estats.MetricsRecorder }

func (noMetrics) RecordInt64Count(*estats.Int64CountHandle, int64, ...string)             {}
func (noMetrics) RecordFloat64Count(*estats.Float64CountHandle, float64, ...string)       {}
func (noMetrics) RecordInt64Histo(*estats.Int64HistoHandle, int64, ...string)             {}
func (noMetrics) RecordFloat64Histo(*estats.Float64HistoHandle, float64, ...string)       {}
func (noMetrics) RecordInt64Gauge(*estats.Int64GaugeHandle, int64, ...string)             {}
func (noMetrics) RecordInt64UpDownCount(*estats.Int64UpDownCountHandle, int64, ...string) {}
func (noMetrics) RegisterAsyncReporter(estats.AsyncMetricReporter, ...estats.AsyncMetric) func() {
	return func() {}
}

// ejecting is the pick benchmark with outlier ejection on, as client.Dial
// sets it, no node out: what ejection costs a healthy cluster.
var ejecting = struct{ name, balancer, config string }{"gee-rr-ejection", balancer.RoundRobin, `{"ejection":{}}`}

// readyPicker builds the named balancer over three addresses, makes every
// SubConn ready (one state change at a time, as grpc-go serialises them)
// and returns the resulting picker. config is the balancer's JSON config,
// "" for none.
func readyPicker(b *testing.B, name, config string) grpcbalancer.Picker {
	b.Helper()
	builder := grpcbalancer.Get(name)
	if builder == nil {
		b.Fatalf("balancer %q not registered", name)
	}
	var lbConfig serviceconfig.LoadBalancingConfig
	if config != "" {
		var err error
		if lbConfig, err = builder.(grpcbalancer.ConfigParser).ParseConfig([]byte(config)); err != nil {
			b.Fatal(err)
		}
	}
	conn := &fakeConn{}
	bal := builder.Build(conn, grpcbalancer.BuildOptions{})
	b.Cleanup(bal.Close)
	addrs := cdresolver.Addresses([]registry.ServiceInstance{
		{Name: "user", Addr: "10.0.0.1:80", Weight: 3},
		{Name: "user", Addr: "10.0.0.2:80", Weight: 2},
		{Name: "user", Addr: "10.0.0.3:80", Weight: 1},
	})
	endpoints := make([]resolver.Endpoint, len(addrs))
	for i, a := range addrs {
		endpoints[i] = resolver.Endpoint{Addresses: []resolver.Address{a}}
	}
	if err := bal.UpdateClientConnState(grpcbalancer.ClientConnState{
		ResolverState:  resolver.State{Addresses: addrs, Endpoints: endpoints},
		BalancerConfig: lbConfig,
	}); err != nil {
		b.Fatal(err)
	}
	for len(conn.pending) > 0 {
		sc := conn.pending[0]
		conn.pending = conn.pending[1:]
		sc.listener(grpcbalancer.SubConnState{ConnectivityState: connectivity.Connecting})
		sc.listener(grpcbalancer.SubConnState{ConnectivityState: connectivity.Ready})
		if sc.health != nil {
			sc.health(grpcbalancer.SubConnState{ConnectivityState: connectivity.Ready})
		}
	}
	if conn.state != connectivity.Ready {
		b.Fatalf("%s: state %v after all SubConns became ready", name, conn.state)
	}
	// Sanity: picks work and (except pick_first) reach several SubConns.
	seen := map[grpcbalancer.SubConn]bool{}
	for i := 0; i < 60; i++ {
		res, err := conn.picker.Pick(grpcbalancer.PickInfo{Ctx: balancer.WithHashKey(context.Background(), fmt.Sprint(i))})
		if err != nil {
			b.Fatalf("%s: pick: %v", name, err)
		}
		if res.Done != nil {
			res.Done(grpcbalancer.DoneInfo{})
		}
		seen[res.SubConn] = true
	}
	if name != "pick_first" && len(seen) < 2 {
		b.Fatalf("%s: 60 picks reached %d SubConn(s)", name, len(seen))
	}
	return conn.picker
}

// pickImpls are the implementations of the pick benchmarks: every balancer
// without config, then round robin with ejection.
func pickImpls() []struct{ name, balancer, config string } {
	var out []struct{ name, balancer, config string }
	for _, impl := range impls {
		out = append(out, struct{ name, balancer, config string }{impl.name, impl.balancer, ""})
	}
	return append(out, ejecting)
}

// BenchmarkPick is one pick plus its Done callback, as a unary call makes.
func BenchmarkPick(b *testing.B) {
	for _, impl := range pickImpls() {
		picker := readyPicker(b, impl.balancer, impl.config)
		info := grpcbalancer.PickInfo{FullMethodName: "/clusterdemo.user.UserService/GetByID", Ctx: balancer.WithHashKey(context.Background(), "user-42")}
		b.Run(impl.name, func(b *testing.B) {
			for b.Loop() {
				res, err := picker.Pick(info)
				if err != nil {
					b.Fatal(err)
				}
				if res.Done != nil {
					res.Done(grpcbalancer.DoneInfo{})
				}
			}
		})
	}
}

// BenchmarkPickParallel is BenchmarkPick from GOMAXPROCS goroutines: where
// a balancer's lock would show.
func BenchmarkPickParallel(b *testing.B) {
	for _, impl := range pickImpls() {
		picker := readyPicker(b, impl.balancer, impl.config)
		b.Run(impl.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				info := grpcbalancer.PickInfo{FullMethodName: "/clusterdemo.user.UserService/GetByID", Ctx: balancer.WithHashKey(context.Background(), "user-42")}
				for pb.Next() {
					res, err := picker.Pick(info)
					if err != nil {
						b.Error(err)
						return
					}
					if res.Done != nil {
						res.Done(grpcbalancer.DoneInfo{})
					}
				}
			})
		})
	}
}
