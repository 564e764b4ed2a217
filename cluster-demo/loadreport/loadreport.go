// Package loadreport lets servers tell their clients how loaded they are:
// a server interceptor puts the server's load into the trailer of every
// response, and a client-side balancer (gee_least_loaded in package
// balancer) reads it back with FromTrailer.
//
// The load is the number of calls the server has in progress besides the
// one answered (over all its clients, which a client cannot count on its
// own) and, where the platform tells it, the process's CPU use as a share
// of the machine's CPUs. It is the "each response carries the server's own
// metrics" idea of the design notes, on plain gRPC metadata; grpc-go's ORCA
// does the same in a protobuf trailer for its weighted_round_robin.
package loadreport

import (
	"context"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// Trailer keys the interceptors write.
const (
	InFlightKey = "x-load-inflight" // calls in progress besides this one
	CPUKey      = "x-load-cpu"      // CPU use, 0..1 of all CPUs; absent where unknown
)

// cpuRefresh bounds how often the CPU use is measured: a busy server
// answers thousands of calls between two measurements.
const cpuRefresh = 250 * time.Millisecond

// Report is the load one response carried.
type Report struct {
	InFlight int64   // calls the server had in progress besides this one
	CPU      float64 // CPU use, 0..1
	HasCPU   bool    // whether CPU was reported
}

// Load folds the report into one number a balancer can compare: calls in
// flight, plus the CPU share (at most one call's worth), which breaks ties
// between servers equally busy with calls.
func (r Report) Load() float64 {
	return float64(r.InFlight) + r.CPU
}

// FromTrailer reads the report from a response's trailer. ok is false when
// the trailer carries no valid report (a server without the interceptor).
func FromTrailer(md metadata.MD) (r Report, ok bool) {
	vals := md.Get(InFlightKey)
	if len(vals) == 0 {
		return Report{}, false
	}
	n, err := strconv.ParseInt(vals[0], 10, 64)
	if err != nil || n < 0 {
		return Report{}, false
	}
	r.InFlight = n
	if vals := md.Get(CPUKey); len(vals) > 0 {
		if cpu, err := strconv.ParseFloat(vals[0], 64); err == nil && cpu >= 0 && !math.IsInf(cpu, 0) {
			r.CPU, r.HasCPU = min(cpu, 1), true
		}
	}
	return r, true
}

// Reporter counts a server's calls in progress and measures its CPU use.
// Install its interceptors on the server; server.New does.
type Reporter struct {
	inflight atomic.Int64
	cpu      cpuMeter
}

// NewReporter returns a Reporter with nothing in flight.
func NewReporter() *Reporter { return &Reporter{} }

// InFlight is the number of calls in progress.
func (r *Reporter) InFlight() int64 { return r.inflight.Load() }

// Report is the load as a response would carry it now, this call excluded.
func (r *Reporter) Report() Report {
	cpu, ok := r.cpu.share(time.Now())
	return Report{InFlight: max(0, r.inflight.Load()-1), CPU: cpu, HasCPU: ok}
}

// UnaryServerInterceptor counts the call while it runs and writes the load
// into its trailer, for failed calls too.
func (r *Reporter) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if infrastructure(info.FullMethod) {
			return handler(ctx, req)
		}
		r.inflight.Add(1)
		defer r.inflight.Add(-1)
		resp, err := handler(ctx, req)
		// The trailer goes out after the handler: the count is taken as
		// late as possible. An error only means the stream is gone.
		_ = grpc.SetTrailer(ctx, r.Report().trailer())
		return resp, err
	}
}

// StreamServerInterceptor is UnaryServerInterceptor for streams; the
// stream counts as one call in progress until its handler returns.
func (r *Reporter) StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if infrastructure(info.FullMethod) {
			return handler(srv, ss)
		}
		r.inflight.Add(1)
		defer r.inflight.Add(-1)
		err := handler(srv, ss)
		ss.SetTrailer(r.Report().trailer())
		return err
	}
}

// infrastructure reports whether method belongs to gRPC's own services
// (health, reflection): a health watch stays open for the connection's
// life and would count as a call in progress forever.
func infrastructure(method string) bool {
	return strings.HasPrefix(method, "/grpc.")
}

func (r Report) trailer() metadata.MD {
	md := metadata.Pairs(InFlightKey, strconv.FormatInt(r.InFlight, 10))
	if r.HasCPU {
		md.Set(CPUKey, strconv.FormatFloat(r.CPU, 'f', 3, 64))
	}
	return md
}

// cpuMeter turns the process's CPU time into a share of the machine's
// CPUs, measured over the time since the previous measurement and cached
// for cpuRefresh.
type cpuMeter struct {
	mu       sync.Mutex
	lastWall time.Time
	lastCPU  time.Duration
	last     float64 // the share measured last
	ok       bool
}

// share is the CPU share over the last measurement period, measuring anew
// when the cached value is older than cpuRefresh.
func (m *cpuMeter) share(now time.Time) (float64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.lastWall.IsZero() && now.Sub(m.lastWall) < cpuRefresh {
		return m.last, m.ok
	}
	used, ok := processCPUTime()
	if !ok {
		return 0, false
	}
	if !m.lastWall.IsZero() {
		wall := now.Sub(m.lastWall)
		m.last = min(1, max(0, float64(used-m.lastCPU)/float64(wall)/float64(runtime.NumCPU())))
		m.ok = true
	}
	m.lastWall, m.lastCPU = now, used
	return m.last, m.ok
}
