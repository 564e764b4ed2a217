package cluster_test

import (
	"context"
	"fmt"
	"slices"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/cluster"
	"cluster-demo/node"
	"cluster-demo/registry"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

// startNodes starts one UserService server per name on loopback,
// registered in reg under "user", and returns the nodes and a stop func.
func startNodes(reg registry.Registry, names ...string) (map[string]*node.Node, func()) {
	nodes := map[string]*node.Node{}
	var servers []*server.Server
	for _, name := range names {
		n := node.New(name)
		s := server.New(reg, "user")
		userpb.RegisterUserServiceServer(s.GRPC(), n)
		if err := s.Start(context.Background(), "127.0.0.1:0"); err != nil {
			panic(err)
		}
		nodes[name], servers = n, append(servers, s)
	}
	return nodes, func() {
		for _, s := range servers {
			s.Stop()
		}
	}
}

func ExampleBroadcast() {
	reg := registry.NewMemory()
	defer reg.Close()
	_, stop := startNodes(reg, "a", "b", "c")
	defer stop()

	bc, _ := cluster.NewBroadcaster(reg, "user")
	defer bc.Close()
	cc, err := client.Dial(context.Background(), reg, "user", balancer.RoundRobin,
		grpc.WithChainUnaryInterceptor(bc.UnaryClientInterceptor()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cc.Close()
	users := userpb.NewUserServiceClient(cc)

	// Every node answers; each reply is a message of its own.
	all := cluster.AllReplies()
	if _, err := users.GetByID(cluster.Broadcast(context.Background(), all), &userpb.GetByIDRequest{Id: 7}); err != nil {
		fmt.Println(err)
		return
	}
	var answers []string
	for r := range all.C() { // closed after the last node's reply
		u := r.Reply.(*userpb.User)
		answers = append(answers, fmt.Sprintf("%s:%s", u.GetNode(), u.GetName()))
	}
	slices.Sort(answers)
	fmt.Println(answers)
	// Output: [a:user-7 b:user-7 c:user-7]
}

func ExampleNewFailover() {
	reg := registry.NewMemory()
	defer reg.Close()
	nodes, stop := startNodes(reg, "a", "b", "c")
	defer stop()

	fo, _ := cluster.NewFailover(
		cluster.WithIdempotent(userpb.UserService_GetByID_FullMethodName),
		cluster.WithMaxAttempts(3))
	cc, err := client.Dial(context.Background(), reg, "user", balancer.RoundRobin,
		grpc.WithChainUnaryInterceptor(fo.UnaryClientInterceptor()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cc.Close()
	nodes["b"].SetFailure(codes.Unavailable) // b is down for a while

	users := userpb.NewUserServiceClient(cc)
	for i := range 6 {
		u, err := users.GetByID(context.Background(), &userpb.GetByIDRequest{Id: int64(i + 1)})
		fmt.Println(u.GetName(), err == nil && u.GetNode() != "b")
	}
	// Output:
	// user-1 true
	// user-2 true
	// user-3 true
	// user-4 true
	// user-5 true
	// user-6 true
}
