package loadreport

import (
	"context"
	"runtime"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

func TestFromTrailer(t *testing.T) {
	cases := []struct {
		md   metadata.MD
		want Report
		ok   bool
	}{
		{metadata.Pairs(InFlightKey, "4", CPUKey, "0.250"), Report{InFlight: 4, CPU: 0.25, HasCPU: true}, true},
		{metadata.Pairs(InFlightKey, "0"), Report{}, true},
		{metadata.Pairs(InFlightKey, "2", CPUKey, "7"), Report{InFlight: 2, CPU: 1, HasCPU: true}, true}, // capped
		{metadata.Pairs(InFlightKey, "2", CPUKey, "busy"), Report{InFlight: 2}, true},                    // CPU ignored
		{metadata.Pairs(InFlightKey, "-1"), Report{}, false},
		{metadata.Pairs(InFlightKey, "many"), Report{}, false},
		{metadata.Pairs(CPUKey, "0.5"), Report{}, false},
		{nil, Report{}, false},
	}
	for _, tc := range cases {
		got, ok := FromTrailer(tc.md)
		if got != tc.want || ok != tc.ok {
			t.Errorf("FromTrailer(%v) = %+v, %v; want %+v, %v", tc.md, got, ok, tc.want, tc.ok)
		}
	}
	if got := (Report{InFlight: 3, CPU: 0.5}).Load(); got != 3.5 {
		t.Errorf("Load = %v, want 3.5", got)
	}
}

// trailerStream records the trailer a stream interceptor sets.
type trailerStream struct {
	grpc.ServerStream
	trailer metadata.MD
}

func (s *trailerStream) Context() context.Context  { return context.Background() }
func (s *trailerStream) SetTrailer(md metadata.MD) { s.trailer = md }

func TestStreamInterceptorCountsStreamsButNotGRPCsOwn(t *testing.T) {
	r := NewReporter()
	var inHandler int64
	handler := func(any, grpc.ServerStream) error {
		inHandler = r.InFlight()
		return nil
	}
	ss := &trailerStream{}
	if err := r.StreamServerInterceptor()(nil, ss, &grpc.StreamServerInfo{FullMethod: "/clusterdemo.user.UserService/ListUsers"}, handler); err != nil {
		t.Fatal(err)
	}
	if inHandler != 1 || r.InFlight() != 0 {
		t.Fatalf("in flight %d during the stream and %d after, want 1 and 0", inHandler, r.InFlight())
	}
	if got, ok := FromTrailer(ss.trailer); !ok || got.InFlight != 0 {
		t.Fatalf("stream trailer %v", ss.trailer)
	}
	// A health watch lives as long as the connection: not a call in progress.
	ss = &trailerStream{}
	r.StreamServerInterceptor()(nil, ss, &grpc.StreamServerInfo{FullMethod: "/grpc.health.v1.Health/Watch"}, handler)
	if inHandler != 0 || ss.trailer != nil {
		t.Fatalf("health watch counted (%d in flight) or given a report (%v)", inHandler, ss.trailer)
	}
}

func TestUnaryInterceptorSkipsGRPCsOwnServices(t *testing.T) {
	r := NewReporter()
	var inHandler int64
	handler := func(context.Context, any) (any, error) {
		inHandler = r.InFlight()
		return nil, nil
	}
	r.UnaryServerInterceptor()(context.Background(), nil, &grpc.UnaryServerInfo{FullMethod: "/grpc.health.v1.Health/Check"}, handler)
	if inHandler != 0 {
		t.Fatal("a health check counted as a call in progress")
	}
}

func TestCPUShareIsMeasuredOverTheLastPeriod(t *testing.T) {
	var m cpuMeter
	t0 := time.Now()
	if _, ok := m.share(t0); ok {
		t.Fatal("a share without a previous measurement")
	}
	if _, ok := processCPUTime(); !ok {
		t.Skip("no CPU time on " + runtime.GOOS + ": reports carry no CPU here")
	}
	// Within cpuRefresh the cached value is returned without measuring.
	if _, ok := m.share(t0.Add(cpuRefresh / 2)); ok {
		t.Fatal("measured again within the refresh period")
	}
	share, ok := m.share(t0.Add(cpuRefresh))
	if !ok || share < 0 || share > 1 {
		t.Fatalf("share %v, %v; want a value in 0..1", share, ok)
	}
}
