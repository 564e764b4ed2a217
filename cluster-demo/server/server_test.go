package server_test

import (
	"context"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

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
