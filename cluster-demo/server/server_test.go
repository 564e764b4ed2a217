package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"cluster-demo/internal/testcluster"
	"cluster-demo/loadreport"
	"cluster-demo/node"
	"cluster-demo/registry"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

func listAddrs(t *testing.T, reg registry.Registry) []registry.ServiceInstance {
	t.Helper()
	insts, err := reg.List(context.Background(), "user")
	if err != nil {
		t.Fatal(err)
	}
	return insts
}

func TestStartRegistersAndGracefulStopUnregisters(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	s := server.New(reg, "user", server.WithWeight(3), server.WithGroup("b"))
	userpb.RegisterUserServiceServer(s.GRPC(), node.New("n1"))
	if err := s.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	insts := listAddrs(t, reg)
	want := registry.ServiceInstance{Name: "user", Addr: s.Addr(), Group: "b", Weight: 3}
	if len(insts) != 1 || insts[0] != want {
		t.Fatalf("registered %+v, want [%+v]", insts, want)
	}
	// It serves at the registered address.
	cc, err := grpc.NewClient(s.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	if u, err := userpb.NewUserServiceClient(cc).GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1}); err != nil || u.GetNode() != "n1" {
		t.Fatalf("call: %v %v", u, err)
	}
	if err := s.GracefulStop(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-s.Done()
	if insts := listAddrs(t, reg); len(insts) != 0 {
		t.Fatalf("still registered after GracefulStop: %+v", insts)
	}
	if err := s.Start(context.Background(), "127.0.0.1:0"); err == nil {
		t.Fatal("restarting a stopped server succeeded")
	}
}

func TestKillLeavesTheRegistrationLikeACrash(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	s := server.New(reg, "user")
	userpb.RegisterUserServiceServer(s.GRPC(), node.New("n1"))
	if err := s.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	s.Kill()
	<-s.Done()
	if insts := listAddrs(t, reg); len(insts) != 1 {
		t.Fatalf("after Kill registry lists %+v, want the stale instance", insts)
	}
	if err := s.Stop(); err != nil { // nothing left to unregister: no error
		t.Fatal(err)
	}
}

func TestStartFailsCleanly(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	bad := server.New(reg, "user", server.WithWeight(-2))
	err := bad.Start(context.Background(), "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "weight -2") {
		t.Fatalf("Start with weight -2 = %v, want a weight error", err)
	}
	<-bad.Done()
	if err := server.New(reg, "user").Start(context.Background(), "not an address"); err == nil || !strings.HasPrefix(err.Error(), "server: listen") {
		t.Fatalf("Start on a bad address = %v", err)
	}
	if err := server.New(nil, "user").Start(context.Background(), "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "registry") {
		t.Fatalf("Start without a registry = %v", err)
	}
	reg.Close()
	s := server.New(reg, "user")
	if err := s.Start(context.Background(), "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("Start with a closed registry = %v", err)
	}
	<-s.Done() // it does not keep serving unannounced
	if len(listAddrsNoFail(reg)) != 0 {
		t.Fatal("registered on a closed registry")
	}
}

func listAddrsNoFail(reg registry.Registry) []registry.ServiceInstance {
	insts, _ := reg.List(context.Background(), "user")
	return insts
}

func dial(t *testing.T, addr string) *grpc.ClientConn {
	t.Helper()
	cc, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return cc
}

func started(t *testing.T, reg registry.Registry, n *node.Node) *server.Server {
	t.Helper()
	s := server.New(reg, "user")
	userpb.RegisterUserServiceServer(s.GRPC(), n)
	if err := s.Start(context.Background(), "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s
}

func TestHealthServiceReportsServingAndNotServing(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	s := started(t, reg, node.New("n1"))
	health := healthpb.NewHealthClient(dial(t, s.Addr()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	check := func(service string) healthpb.HealthCheckResponse_ServingStatus {
		t.Helper()
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		if err != nil {
			t.Fatalf("health check of %q: %v", service, err)
		}
		return resp.GetStatus()
	}
	for _, svc := range []string{"", "clusterdemo.user.UserService"} {
		if got := check(svc); got != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("a started server reports %q as %v", svc, got)
		}
	}
	s.SetServing(false)
	for _, svc := range []string{"", "clusterdemo.user.UserService"} {
		if got := check(svc); got != healthpb.HealthCheckResponse_NOT_SERVING {
			t.Fatalf("after SetServing(false) %q is %v", svc, got)
		}
	}
	s.SetServing(true)
	if got := check(""); got != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("after SetServing(true): %v", got)
	}
}

// A draining server says NOT_SERVING before its last calls end, so health
// checking clients stop sending it new calls while it finishes the old.
func TestDrainingServerReportsNotServing(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	n := node.New("n1", node.WithDelay(time.Hour))
	s := started(t, reg, n)
	cc := dial(t, s.Addr())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	watch, err := healthpb.NewHealthClient(cc).Watch(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := watch.Recv(); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("first status %v, %v; want SERVING", resp, err)
	}
	slow := make(chan error, 1)
	go func() {
		_, err := userpb.NewUserServiceClient(cc).GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
		slow <- err
	}()
	testcluster.WaitFor(t, "the slow call to reach the server", func() bool { return n.Active() == 1 })
	stopCtx, stopCancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- s.GracefulStop(stopCtx) }()
	if resp, err := watch.Recv(); err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Fatalf("while draining: %v, %v; want NOT_SERVING", resp, err)
	}
	if n.Active() != 1 {
		t.Fatal("the call in progress ended before the drain was announced")
	}
	stopCancel() // give up waiting for the hour-long call
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if err := <-slow; err == nil {
		t.Fatal("the cut-off call succeeded")
	}
}

func TestServerSupportsReflection(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	s := started(t, reg, node.New("n1"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stream, err := reflectionpb.NewServerReflectionClient(dial(t, s.Addr())).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, svc := range resp.GetListServicesResponse().GetService() {
		names = append(names, svc.GetName())
	}
	got := strings.Join(names, ",")
	for _, want := range []string{"clusterdemo.user.UserService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"} {
		if !strings.Contains(got, want) {
			t.Errorf("reflection lists %s, want %s among them", got, want)
		}
	}
}

func TestResponsesCarryTheServersLoad(t *testing.T) {
	reg := registry.NewMemory()
	defer reg.Close()
	n := node.New("n1")
	s := started(t, reg, n)
	users := userpb.NewUserServiceClient(dial(t, s.Addr()))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n.SetDelay(time.Hour)
	for range 3 {
		go users.GetByID(ctx, &userpb.GetByIDRequest{Id: 1}) // held until cancel
	}
	testcluster.WaitFor(t, "three held calls on the server", func() bool { return n.Active() == 3 })
	n.SetDelay(0)
	var trailer metadata.MD
	if _, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 2}, grpc.Trailer(&trailer)); err != nil {
		t.Fatal(err)
	}
	r, ok := loadreport.FromTrailer(trailer)
	if !ok || r.InFlight != 3 {
		t.Fatalf("trailer %v: report %+v, %v; want 3 other calls in flight", trailer, r, ok)
	}
	// Failed calls report too: the balancer learns from every answer.
	_, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: -1}, grpc.Trailer(&trailer))
	if status.Code(err) != codes.InvalidArgument {
		t.Fatal(err)
	}
	if r, ok := loadreport.FromTrailer(trailer); !ok || r.InFlight != 3 {
		t.Fatalf("failed call's trailer %v: %+v, %v", trailer, r, ok)
	}
}
