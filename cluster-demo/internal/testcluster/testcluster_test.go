package testcluster_test

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	_ "cluster-demo/balancer"
	"cluster-demo/internal/testcluster"
	"cluster-demo/userpb"
)

func TestClusterStartsRegistersAndCounts(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "a", Weight: 2, Group: "g"}, testcluster.Spec{Name: "b"})
	insts, err := c.Registry.List(context.Background(), testcluster.Service)
	if err != nil || len(insts) != 2 {
		t.Fatalf("registered %+v, %v", insts, err)
	}
	a := c.Member("a")
	if c.NameOf(a.Addr()) != "a" || c.Member("zz") != nil || c.NameOf("nowhere:1") != "" {
		t.Fatal("Member/NameOf lookups wrong")
	}
	for _, inst := range insts {
		if inst.Addr == a.Addr() && (inst.Weight != 2 || inst.Group != "g") {
			t.Fatalf("a registered as %+v", inst)
		}
	}
	users := userpb.NewUserServiceClient(c.Dial(t, "gee_round_robin"))
	if calls := c.Calls(); calls["a"] != 0 || calls["b"] != 0 {
		t.Fatalf("Dial left warm-up counts %v", calls)
	}
	for i := 0; i < 4; i++ {
		if _, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if calls := c.Calls(); calls["a"] != 2 || calls["b"] != 2 {
		t.Fatalf("counts %v, want 2 each", calls)
	}
}

func TestFrozenMemberAnswersNothingUntilThawed(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "a"})
	users := userpb.NewUserServiceClient(c.Dial(t, "gee_round_robin"))
	a := c.Member("a")
	a.Freeze()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	_, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
	cancel()
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("call to a frozen member: %v, want DeadlineExceeded", err)
	}
	a.Thaw()
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if u, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: 2}); err != nil || u.GetNode() != "a" {
		t.Fatalf("call after Thaw: %v, %v", u, err)
	}
}
