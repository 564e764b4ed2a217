package route_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	_ "cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/internal/testcluster"
	"cluster-demo/registry"
	"cluster-demo/route"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

var nodes = []route.Node{
	{Addr: "a:1", Group: "blue"},
	{Addr: "b:1", Group: "green"},
	{Addr: "c:1", Group: "green"},
}

func addrs(ns []route.Node) string {
	var s []string
	for _, n := range ns {
		s = append(s, n.Addr)
	}
	return strings.Join(s, ",")
}

func TestFilter(t *testing.T) {
	bg := context.Background()
	sick := route.NewHealth()
	sick.MarkUnhealthy("b:1")
	allSick := route.NewHealth()
	for _, n := range nodes {
		allSick.MarkUnhealthy(n.Addr)
	}
	cases := []struct {
		name string
		ctx  context.Context
		want string // addresses kept, or the filter named in the error
		err  bool
	}{
		{"no rules", bg, "a:1,b:1,c:1", false},
		{"group", route.WithGroup(bg, "green"), "b:1,c:1", false},
		{"direct", route.WithDirect(bg, "c:1"), "c:1", false},
		{"exclude", route.WithExclude(bg, "a:1", "c:1"), "b:1", false},
		{"exclude adds up", route.WithExclude(route.WithExclude(bg, "a:1"), "b:1"), "c:1", false},
		{"rules combine and a child does not change its parent", route.WithGroup(route.WithExclude(route.WithDirect(bg, "c:1"), "a:1"), "green"), "c:1", false},
		{"health", route.WithHealth(bg, sick), "a:1,c:1", false},
		{"group and health", route.WithHealth(route.WithGroup(bg, "green"), sick), "c:1", false},
		{"outgoing metadata alone does not route", metadata.AppendToOutgoingContext(bg, route.GroupMetadataKey, "blue"), "a:1,b:1,c:1", false},
		{"incoming metadata alone does not route", metadata.NewIncomingContext(bg, metadata.Pairs(route.GroupMetadataKey, "blue")), "a:1,b:1,c:1", false},
		{"unknown group", route.WithGroup(bg, "red"), `group filter: no node in group "red"`, true},
		{"direct miss", route.WithDirect(bg, "z:9"), "direct filter: no node at z:9", true},
		{"all excluded", route.WithExclude(bg, "a:1", "b:1", "c:1"), "exclude filter", true},
		{"all unhealthy", route.WithHealth(bg, allSick), "health filter", true},
		{"direct to an excluded node", route.WithExclude(route.WithDirect(bg, "a:1"), "a:1"), "exclude filter", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := route.Filter(tc.ctx, nodes)
			if tc.err {
				if status.Code(err) != codes.Unavailable || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("err %v, want Unavailable containing %q", err, tc.want)
				}
				return
			}
			if err != nil || addrs(got) != tc.want {
				t.Fatalf("kept %q (err %v), want %q", addrs(got), err, tc.want)
			}
		})
	}
	if addrs(nodes) != "a:1,b:1,c:1" {
		t.Fatal("Filter changed its input")
	}
	if _, err := route.Filter(bg, []route.Node{}); status.Code(err) != codes.Unavailable {
		t.Fatalf("empty node list: %v, want Unavailable", err)
	}
}

func TestHealthMarks(t *testing.T) {
	var h route.Health // zero value usable
	if !h.Healthy("a:1") {
		t.Fatal("zero Health marks a node unhealthy")
	}
	h.MarkUnhealthy("a:1")
	if h.Healthy("a:1") || !h.Healthy("b:1") {
		t.Fatal("MarkUnhealthy marked the wrong node")
	}
	h.MarkHealthy("a:1")
	if !h.Healthy("a:1") {
		t.Fatal("MarkHealthy did not heal")
	}
}

// front is a service that answers GetByID by asking the back tier, as a
// gateway would; the reply names the back node.
type front struct {
	userpb.UnimplementedUserServiceServer
	back userpb.UserServiceClient
}

func (f *front) GetByID(ctx context.Context, req *userpb.GetByIDRequest) (*userpb.User, error) {
	return f.back.GetByID(ctx, req)
}

func TestGroupTravelsAcrossHops(t *testing.T) {
	// Back tier: one node per group.
	back := testcluster.Start(t,
		testcluster.Spec{Name: "back-blue", Group: "blue"},
		testcluster.Spec{Name: "back-green", Group: "green"})
	backConn := back.Dial(t, "gee_round_robin")

	// Front tier, also one node per group: the group interceptor copies the
	// caller's group into the handler's context, so the handler's own call
	// stays in the group.
	frontReg := registry.NewMemory()
	defer frontReg.Close()
	for _, g := range []string{"blue", "green"} {
		fs := server.New(frontReg, "front", server.WithGroup(g),
			server.WithGRPCOptions(grpc.ChainUnaryInterceptor(route.ServerInterceptor())))
		userpb.RegisterUserServiceServer(fs.GRPC(), &front{back: userpb.NewUserServiceClient(backConn)})
		if err := fs.Start(context.Background(), "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		defer fs.Stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	frontConn, err := client.Dial(ctx, frontReg, "front", "gee_round_robin")
	if err != nil {
		t.Fatal(err)
	}
	defer frontConn.Close()
	users := userpb.NewUserServiceClient(frontConn)
	// Dial returns when one front node is ready; a group call fails fast
	// while its group's node is still connecting, so wait for both.
	for _, g := range []string{"blue", "green"} {
		for {
			_, err := users.GetByID(route.WithGroup(ctx, g), &userpb.GetByIDRequest{Id: 1})
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				t.Fatalf("front node of group %s never ready: %v", g, err)
			}
			time.Sleep(2 * time.Millisecond) // bounded by ctx
		}
	}
	back.ResetCounters()

	for _, g := range []string{"blue", "green", "blue", "green", "green"} {
		u, err := users.GetByID(route.WithGroup(ctx, g), &userpb.GetByIDRequest{Id: 1})
		if err != nil {
			t.Fatal(err)
		}
		if u.GetNode() != "back-"+g {
			t.Errorf("group %s reached %s two hops away", g, u.GetNode())
		}
	}
	// Without the interceptor the group would be lost at the front: the
	// back tier would spread calls over both groups. Count to be sure it
	// did not.
	if calls := back.Calls(); calls["back-blue"] != 2 || calls["back-green"] != 3 {
		t.Errorf("back tier counts %v, want blue 2, green 3", calls)
	}
}

func TestStreamServerInterceptorSetsGroup(t *testing.T) {
	var seen string
	interceptor := route.StreamServerInterceptor()
	ctx := metadata.NewIncomingContext(context.Background(), metadata.Pairs(route.GroupMetadataKey, "blue"))
	err := interceptor(nil, fakeStream{ctx}, &grpc.StreamServerInfo{}, func(_ any, ss grpc.ServerStream) error {
		seen, _ = route.GroupFrom(ss.Context())
		if md, _ := metadata.FromOutgoingContext(ss.Context()); len(md.Get(route.GroupMetadataKey)) != 1 {
			t.Error("group not in the outgoing metadata of the handler's context")
		}
		return nil
	})
	if err != nil || seen != "blue" {
		t.Fatalf("handler saw group %q (err %v), want blue", seen, err)
	}
}

type fakeStream struct{ ctx context.Context }

func (f fakeStream) Context() context.Context   { return f.ctx }
func (fakeStream) SetHeader(metadata.MD) error  { return nil }
func (fakeStream) SendHeader(metadata.MD) error { return nil }
func (fakeStream) SetTrailer(metadata.MD)       {}
func (fakeStream) SendMsg(any) error            { return nil }
func (fakeStream) RecvMsg(any) error            { return nil }

func TestHealthInterceptorSkipsUnhealthyNodes(t *testing.T) {
	c := testcluster.Start(t, testcluster.Spec{Name: "a"}, testcluster.Spec{Name: "b"})
	h := route.NewHealth()
	users := userpb.NewUserServiceClient(c.Dial(t, "gee_round_robin", grpc.WithChainUnaryInterceptor(h.UnaryClientInterceptor())))
	h.MarkUnhealthy(c.Member("a").Addr())
	for i := 0; i < 10; i++ {
		u, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
		if err != nil || u.GetNode() != "b" {
			t.Fatalf("call %d: %v %v, want node b", i, u, err)
		}
	}
	h.MarkHealthy(c.Member("a").Addr())
	seen := map[string]bool{}
	for i := 0; i < 4; i++ {
		u, _ := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: 1})
		seen[u.GetNode()] = true
	}
	if !seen["a"] {
		t.Fatal("healed node a never picked")
	}
}

func ExampleWithGroup() {
	ctx := route.WithGroup(context.Background(), "canary")
	g, _ := route.GroupFrom(ctx)
	md, _ := metadata.FromOutgoingContext(ctx)
	fmt.Println(g, md.Get(route.GroupMetadataKey))
	// Output: canary [canary]
}

func TestFilterForPickReturnsTheRecorderOfTheContext(t *testing.T) {
	bg := context.Background()
	if _, rec, err := route.FilterForPick(bg, nodes); rec != nil || err != nil {
		t.Fatalf("no rules: recorder %v, err %v", rec, err)
	}
	ctx, rec := route.WithPickRecorder(route.WithGroup(bg, "green"))
	got, gotRec, err := route.FilterForPick(route.WithExclude(ctx, "b:1"), nodes)
	if err != nil || gotRec != rec || addrs(got) != "c:1" {
		t.Fatalf("got %s, recorder %p (want %p), err %v", addrs(got), gotRec, rec, err)
	}
	if rec.Addr() != "" {
		t.Fatalf("recorder holds %q before any pick", rec.Addr())
	}
	gotRec.Record("c:1")
	if rec.Addr() != "c:1" {
		t.Fatalf("recorder holds %q, want c:1", rec.Addr())
	}
}
