// Command broadcast shows broadcast and multicast on real gRPC: three
// UserService servers on loopback (node-1 in group A, node-2 and node-3 in
// group B) registered in the in-memory registry, and a client with a
// cluster.Broadcaster that sends one call to every node, to every node of a
// group, and with each reply strategy (all replies, first reply, none).
//
//	go run ./cluster-demo/cmd/broadcast    # must print "RESULT broadcast: ok"
//
// It exits with status 1 if any step reaches the wrong nodes or loses a reply.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/cluster"
	"cluster-demo/node"
	"cluster-demo/registry"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

const service = "user"

func main() {
	host := flag.String("host", "127.0.0.1", "interface the servers listen on (ports are picked free)")
	slow := flag.Duration("slow", 200*time.Millisecond, "extra delay of node-1 and node-2, so node-3 wins the first-reply race")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: broadcast [flags]

Starts three servers on loopback (node-1 in group A, node-2 and node-3 in
group B), then broadcasts and multicasts GetByID with every reply strategy and
prints which node answered what. Exit status 1 if a step misses a node.

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ok, err := run(ctx, *host, *slow)
	if err != nil {
		fmt.Fprintln(os.Stderr, "broadcast:", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

func run(ctx context.Context, host string, slow time.Duration) (bool, error) {
	reg := registry.NewMemory()
	defer reg.Close()

	groups := map[string]string{"node-1": "A", "node-2": "B", "node-3": "B"}
	nodes := map[string]*node.Node{}
	for _, name := range []string{"node-1", "node-2", "node-3"} {
		n := node.New(name)
		s := server.New(reg, service, server.WithGroup(groups[name]))
		userpb.RegisterUserServiceServer(s.GRPC(), n)
		if err := s.Start(ctx, host+":0"); err != nil {
			return false, err
		}
		defer s.Stop()
		nodes[name] = n
		fmt.Printf("started %s (group %s) on %s\n", name, groups[name], s.Addr())
	}

	bc, err := cluster.NewBroadcaster(reg, service)
	if err != nil {
		return false, err
	}
	defer bc.Close()
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	cc, err := client.Dial(dialCtx, reg, service, balancer.RoundRobin, grpc.WithChainUnaryInterceptor(bc.UnaryClientInterceptor()))
	if err != nil {
		return false, err
	}
	defer cc.Close()
	users := userpb.NewUserServiceClient(cc)
	callCtx, cancelCalls := context.WithTimeout(ctx, 30*time.Second)
	defer cancelCalls()

	allOK := true
	check := func(ok bool, format string, args ...any) {
		mark := "ok"
		if !ok {
			mark, allOK = "WRONG", false
		}
		fmt.Printf("check %s: %s\n", mark, fmt.Sprintf(format, args...))
	}

	// 1. Broadcast, every reply on a channel.
	all := cluster.AllReplies()
	if _, err := users.GetByID(cluster.Broadcast(callCtx, all), &userpb.GetByIDRequest{Id: 42}); err != nil {
		return false, err
	}
	got := collect("broadcast, all replies", all.C())
	check(slices.Equal(got, []string{"node-1", "node-2", "node-3"}), "broadcast reached %v", got)

	// 2. Multicast to group B.
	all = cluster.AllReplies()
	if _, err := users.GetByID(cluster.Multicast(callCtx, "B", all), &userpb.GetByIDRequest{Id: 43}); err != nil {
		return false, err
	}
	got = collect("multicast to group B, all replies", all.C())
	check(slices.Equal(got, []string{"node-2", "node-3"}), "multicast to B reached %v", got)

	// 3. No replies: a cache flush only wants to know that every node got it.
	// It runs before the first-reply step: that one leaves cancelled calls
	// behind, which may still reach node-1 and node-2 after it returns and
	// would spoil the per-node counts.
	before := calls(nodes)
	err = func() error {
		_, err := users.GetByID(cluster.Broadcast(callCtx, cluster.NoReplies()), &userpb.GetByIDRequest{Id: 44})
		return err
	}()
	after := calls(nodes)
	fmt.Printf("broadcast, no replies: error=%v, calls per node %v -> %v\n", err, before, after)
	check(err == nil && after[0]-before[0] == 1 && after[1]-before[1] == 1 && after[2]-before[2] == 1,
		"every node acknowledged the no-reply broadcast once")

	// 4. First reply: node-3 is the quick one.
	nodes["node-1"].SetDelay(slow)
	nodes["node-2"].SetDelay(slow)
	start := time.Now()
	u, err := users.GetByID(cluster.Broadcast(callCtx, cluster.FirstReply()), &userpb.GetByIDRequest{Id: 45})
	if err != nil {
		return false, err
	}
	took := time.Since(start)
	fmt.Printf("broadcast, first reply: %s answered first in %v (node-1 and node-2 take %v; their calls were cancelled)\n",
		u.GetNode(), took.Round(100*time.Microsecond), slow)
	check(u.GetNode() == "node-3" && took < slow, "first reply came from %s", u.GetNode())
	nodes["node-1"].SetDelay(0)
	nodes["node-2"].SetDelay(0)

	// 5. The same error path a caller would see: a group with no node.
	all = cluster.AllReplies()
	_, err = users.GetByID(cluster.Multicast(callCtx, "C", all), &userpb.GetByIDRequest{Id: 46})
	_, open := <-all.C()
	fmt.Printf("multicast to group C: %v\n", err)
	check(err != nil && !open, "multicast to an empty group fails and closes the reply channel")

	if !allOK {
		fmt.Println("RESULT broadcast: FAILED")
		return false, nil
	}
	fmt.Println("RESULT broadcast: ok (broadcast 3/3, multicast B 2/2, first reply node-3, no-reply 3 acks)")
	return true, nil
}

// collect prints every reply of a broadcast and returns the node names, sorted.
func collect(title string, replies <-chan cluster.Reply) []string {
	fmt.Printf("%s:\n", title)
	var names []string
	for r := range replies {
		if r.Err != nil {
			fmt.Printf("  %s (group %s) failed: %v\n", r.Addr, r.Group, r.Err)
			continue
		}
		u := r.Reply.(*userpb.User)
		fmt.Printf("  %s (group %s, %s) -> id=%d name=%q\n", u.GetNode(), r.Group, r.Addr, u.GetId(), u.GetName())
		names = append(names, u.GetNode())
	}
	slices.Sort(names)
	fmt.Printf("  %d replies: %s\n", len(names), strings.Join(names, ", "))
	return names
}

// calls returns the calls served by node-1, node-2, node-3.
func calls(nodes map[string]*node.Node) []int64 {
	return []int64{nodes["node-1"].Calls(), nodes["node-2"].Calls(), nodes["node-3"].Calls()}
}
