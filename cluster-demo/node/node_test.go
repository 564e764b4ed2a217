package node_test

import (
	"context"
	"io"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"cluster-demo/internal/testcluster"
	"cluster-demo/node"
	"cluster-demo/userpb"
)

// dialMember connects straight to one member, without resolver or balancer.
func dialMember(t *testing.T, m *testcluster.Member) userpb.UserServiceClient {
	t.Helper()
	cc, err := grpc.NewClient(m.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	return userpb.NewUserServiceClient(cc)
}

func TestGetByIDNamesTheNode(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "n1"})
	users := dialMember(t, c.Member("n1"))
	u, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 42})
	if err != nil {
		t.Fatal(err)
	}
	if u.GetId() != 42 || u.GetName() != "user-42" || u.GetNode() != "n1" {
		t.Fatalf("got %v, want id 42, user-42, node n1", u)
	}
	if n := c.Member("n1").Node.Calls(); n != 1 {
		t.Fatalf("Calls = %d, want 1", n)
	}
}

func TestListUsersStreamsCountUsers(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "n1"})
	users := dialMember(t, c.Member("n1"))
	stream, err := users.ListUsers(context.Background(), &userpb.ListUsersRequest{FirstId: 10, Count: 3})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for {
		u, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if u.GetNode() != "n1" {
			t.Errorf("user %d from node %q", u.GetId(), u.GetNode())
		}
		ids = append(ids, u.GetId())
	}
	if len(ids) != 3 || ids[0] != 10 || ids[2] != 12 {
		t.Fatalf("ids %v, want [10 11 12]", ids)
	}
}

func TestBadInputIsInvalidArgument(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "n1"})
	users := dialMember(t, c.Member("n1"))
	if _, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 0}); status.Code(err) != codes.InvalidArgument {
		t.Errorf("GetByID(0) = %v, want InvalidArgument", err)
	}
	for _, req := range []*userpb.ListUsersRequest{
		{FirstId: 0, Count: 1},
		{FirstId: 1, Count: 0},
		{FirstId: 1, Count: node.MaxListCount + 1},
	} {
		stream, err := users.ListUsers(context.Background(), req)
		if err == nil {
			_, err = stream.Recv()
		}
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("ListUsers(%v) = %v, want InvalidArgument", req, err)
		}
	}
}

func TestFailureKnobAndHealing(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "n1", Node: []node.Option{node.WithFailure(codes.Unavailable)}})
	n := c.Member("n1").Node
	users := dialMember(t, c.Member("n1"))
	if _, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1}); status.Code(err) != codes.Unavailable {
		t.Fatalf("failing node answered %v, want Unavailable", err)
	}
	n.SetFailure(codes.OK)
	if _, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1}); err != nil {
		t.Fatalf("healed node answered %v", err)
	}
	if n.Calls() != 2 || n.Failed() != 1 || n.Active() != 0 {
		t.Fatalf("calls=%d failed=%d active=%d, want 2, 1, 0", n.Calls(), n.Failed(), n.Active())
	}
	n.ResetCounters()
	if n.Calls() != 0 || n.Failed() != 0 {
		t.Fatal("ResetCounters left counts")
	}
}

func TestDelayHonoursCallDeadline(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "n1", Node: []node.Option{node.WithDelay(time.Minute)}})
	n := c.Member("n1").Node
	users := dialMember(t, c.Member("n1"))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
	if status.Code(err) != codes.DeadlineExceeded {
		t.Fatalf("err %v, want DeadlineExceeded", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("the delay ignored the deadline")
	}
	// The server notices the cancellation and stops counting the call active.
	testcluster.WaitFor(t, "Active to drop to 0 after the call ended", func() bool { return n.Active() == 0 })
}
