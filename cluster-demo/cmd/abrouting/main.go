// Command abrouting shows routing as node filtering on real gRPC: two lanes
// (groups) of a two-tier system, a gateway tier and a user tier, all on
// loopback in the in-memory registry. The client tags each call with a
// group; the gateway's server interceptor carries the group on to its own
// call to the user tier, so a call stays in its lane for both hops. Then it
// shows a group without nodes failing fast, direct routing and health
// routing, and ends with "RESULT abrouting: ok" (exit status 1 otherwise).
//
//	go run ./cluster-demo/cmd/abrouting
//	go run ./cluster-demo/cmd/abrouting -calls 40 -canary-every 4
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/node"
	"cluster-demo/registry"
	"cluster-demo/route"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

// gateway answers GetByID by asking the user tier; the reply's node says
// which gateway and which user node served it: "gw-a -> user-a1".
type gateway struct {
	userpb.UnimplementedUserServiceServer
	name  string
	users userpb.UserServiceClient
}

// GetByID forwards to the user tier with the caller's context, which
// holds the group ServerInterceptor restored.
func (g *gateway) GetByID(ctx context.Context, req *userpb.GetByIDRequest) (*userpb.User, error) {
	u, err := g.users.GetByID(ctx, req)
	if err != nil {
		return nil, err
	}
	u.Node = g.name + " -> " + u.GetNode()
	return u, nil
}

type member struct {
	name, service, group string
	impl                 userpb.UserServiceServer
	srv                  *server.Server
}

func main() {
	calls := flag.Int("calls", 20, "calls through the gateway")
	canaryEvery := flag.Int("canary-every", 5, "user ids divisible by this go to lane B (the canary)")
	host := flag.String("host", "127.0.0.1", "interface the servers listen on (ports are picked free)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), `Usage: abrouting [flags]

Starts lane A (gateway gw-a, users user-a1 and user-a2) and lane B (gateway
gw-b, user user-b1) on loopback, sends -calls calls through the gateways with
the lane chosen by user id, and checks every call stayed in its lane on both
hops. Then shows an empty group failing fast, direct and health routing.
Exits 1 if a check fails.

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	if *calls < 1 || *canaryEvery < 1 {
		fmt.Fprintln(os.Stderr, "abrouting: need calls >= 1 and canary-every >= 1")
		os.Exit(2)
	}
	if failures, err := run(*calls, *canaryEvery, *host); err != nil || failures > 0 {
		if err != nil {
			fmt.Fprintln(os.Stderr, "abrouting:", err)
		}
		fmt.Printf("RESULT abrouting: FAILED (%d checks failed)\n", failures)
		os.Exit(1)
	}
	fmt.Println("RESULT abrouting: ok (every call stayed in its lane on both hops; empty group, direct and health routing behaved)")
}

func run(calls, canaryEvery int, host string) (failures int, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	reg := registry.NewMemory()
	defer reg.Close()

	// The user tier.
	users := []*member{
		{name: "user-a1", service: "user", group: "A"},
		{name: "user-a2", service: "user", group: "A"},
		{name: "user-b1", service: "user", group: "B"},
	}
	for _, m := range users {
		m.impl = node.New(m.name)
		if err := start(ctx, reg, m, host); err != nil {
			return 0, err
		}
		defer m.srv.Stop()
	}
	userConn, err := dialAll(ctx, reg, "user", users)
	if err != nil {
		return 0, err
	}
	defer userConn.Close()

	// The gateway tier, one per lane; route.ServerInterceptor copies the
	// caller's group into the handler's context.
	gateways := []*member{
		{name: "gw-a", service: "gateway", group: "A"},
		{name: "gw-b", service: "gateway", group: "B"},
	}
	for _, m := range gateways {
		m.impl = &gateway{name: m.name, users: userpb.NewUserServiceClient(userConn)}
		if err := start(ctx, reg, m, host, grpc.ChainUnaryInterceptor(route.ServerInterceptor())); err != nil {
			return 0, err
		}
		defer m.srv.Stop()
	}
	gwConn, err := dialAll(ctx, reg, "gateway", gateways)
	if err != nil {
		return 0, err
	}
	defer gwConn.Close()
	for _, m := range append(users, gateways...) {
		fmt.Printf("lane %s: %-8s %-7s at %s\n", m.group, m.service, m.name, m.srv.Addr())
	}

	check := func(ok bool, format string, args ...any) {
		verdict := "ok"
		if !ok {
			verdict = "FAILED"
			failures++
		}
		fmt.Printf("check %s: %s\n", verdict, fmt.Sprintf(format, args...))
	}

	// A/B: the lane follows the user id.
	fmt.Printf("\n%d calls through the gateways; ids divisible by %d go to lane B:\n", calls, canaryEvery)
	gw := userpb.NewUserServiceClient(gwConn)
	served := map[string]map[string]int{"A": {}, "B": {}}
	wrongLane := 0
	for id := 1; id <= calls; id++ {
		group := "A"
		if id%canaryEvery == 0 {
			group = "B"
		}
		u, err := gw.GetByID(route.WithGroup(ctx, group), &userpb.GetByIDRequest{Id: int64(id)})
		if err != nil {
			return failures, fmt.Errorf("call %d: %w", id, err)
		}
		fmt.Printf("  id=%-3d group=%s  served by %s\n", id, group, u.GetNode())
		served[group][u.GetNode()]++
		lane := strings.ToLower(group)
		if !strings.HasPrefix(u.GetNode(), "gw-"+lane+" -> user-"+lane) {
			wrongLane++
		}
	}
	check(wrongLane == 0, "every call stayed in its lane on both hops (%d strayed); lane A: %s; lane B: %s",
		wrongLane, summary(served["A"]), summary(served["B"]))
	check(len(served["A"]) == 2, "lane A spread over both of its user nodes")

	// A group nobody serves fails at once, naming the filter.
	start := time.Now()
	_, err = gw.GetByID(route.WithGroup(ctx, "C"), &userpb.GetByIDRequest{Id: 1})
	took := time.Since(start)
	fmt.Printf("\ngroup C (no nodes): %v after %v\n", err, took.Round(time.Microsecond))
	check(status.Code(err) == codes.Unavailable && strings.Contains(err.Error(), "group filter") && took < time.Second,
		"a group without nodes fails fast with Unavailable from the group filter")

	// Direct routing pins a call to one address, whatever the balancer.
	user := userpb.NewUserServiceClient(userConn)
	target := users[1]
	pinned := 0
	for i := 0; i < 5; i++ {
		u, err := user.GetByID(route.WithDirect(ctx, target.srv.Addr()), &userpb.GetByIDRequest{Id: 1})
		if err == nil && u.GetNode() == target.name {
			pinned++
		}
	}
	fmt.Printf("\ndirect to %s (%s): %d of 5 calls landed there\n", target.name, target.srv.Addr(), pinned)
	check(pinned == 5, "direct routing sent all 5 calls to %s", target.name)

	// Health routing skips nodes marked unhealthy.
	health := route.NewHealth()
	health.MarkUnhealthy(users[0].srv.Addr())
	got := map[string]int{}
	for i := 0; i < 6; i++ {
		u, err := user.GetByID(route.WithHealth(route.WithGroup(ctx, "A"), health), &userpb.GetByIDRequest{Id: 1})
		if err != nil {
			return failures, err
		}
		got[u.GetNode()]++
	}
	fmt.Printf("\nuser-a1 marked unhealthy, 6 lane-A calls: %s\n", summary(got))
	check(got["user-a2"] == 6, "health routing kept lane A calls off the unhealthy user-a1")
	health.MarkUnhealthy(users[1].srv.Addr())
	_, err = user.GetByID(route.WithHealth(route.WithGroup(ctx, "A"), health), &userpb.GetByIDRequest{Id: 1})
	fmt.Printf("both lane-A users unhealthy: %v\n", err)
	check(status.Code(err) == codes.Unavailable && strings.Contains(err.Error(), "health filter"),
		"with every lane-A node unhealthy the call fails with Unavailable from the health filter")
	fmt.Println()
	return failures, nil
}

func start(ctx context.Context, reg registry.Registry, m *member, host string, opts ...grpc.ServerOption) error {
	m.srv = server.New(reg, m.service, server.WithGroup(m.group), server.WithGRPCOptions(opts...))
	userpb.RegisterUserServiceServer(m.srv.GRPC(), m.impl)
	return m.srv.Start(ctx, host+":0")
}

// dialAll dials service with round robin and waits until each member is in
// the picker: a group call fails fast (by design) while its lane's node is
// still connecting.
func dialAll(ctx context.Context, reg registry.Registry, service string, members []*member) (*grpc.ClientConn, error) {
	cc, err := client.Dial(ctx, reg, service, balancer.RoundRobin)
	if err != nil {
		return nil, err
	}
	users := userpb.NewUserServiceClient(cc)
	for _, m := range members {
		for {
			_, err := users.GetByID(route.WithGroup(route.WithDirect(ctx, m.srv.Addr()), m.group), &userpb.GetByIDRequest{Id: 1})
			if err == nil {
				break
			}
			if !strings.Contains(err.Error(), "route:") || ctx.Err() != nil {
				cc.Close()
				return nil, fmt.Errorf("%s %s not reachable: %w", service, m.name, err)
			}
			time.Sleep(2 * time.Millisecond) // bounded by ctx
		}
	}
	return cc, nil
}

func summary(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%d", k, counts[k])
	}
	return strings.Join(parts, ", ")
}
