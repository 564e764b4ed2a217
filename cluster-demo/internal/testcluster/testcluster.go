// Package testcluster starts real UserService servers on loopback for tests:
// each one a node.Node behind a server.Server registered in a shared
// in-memory registry. Everything is stopped by t.Cleanup.
package testcluster

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"cluster-demo/client"
	"cluster-demo/node"
	"cluster-demo/registry"
	"cluster-demo/route"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

// ReadyTimeout bounds how long Dial waits for every member to be reachable.
const ReadyTimeout = 10 * time.Second

// Service is the service name the cluster registers its servers under.
const Service = "user"

// Spec describes one server to start.
type Spec struct {
	Name    string // node name, put in every reply
	Weight  int    // 0 means 1
	Group   string
	Node    []node.Option
	Server  []grpc.ServerOption // interceptors and the like
	Service string              // defaults to Service
}

// Member is one running server.
type Member struct {
	Spec   Spec
	Node   *node.Node
	Server *server.Server
	gate   *gate
}

// Addr is the registered address of the member.
func (m *Member) Addr() string { return m.Server.Addr() }

// Freeze makes the member hang as a process stopped with SIGSTOP does: its
// connections stay open and take the bytes clients send, but nothing is
// read or answered until Thaw. Health checks go unanswered too, so clients
// keep the member as ready.
func (m *Member) Freeze() { m.gate.freeze() }

// Thaw lets a frozen member go on; what arrived meanwhile is read then.
func (m *Member) Thaw() { m.gate.thaw() }

// Cluster is a set of running servers sharing one registry.
type Cluster struct {
	Registry *registry.Memory
	Members  []*Member
}

// Start starts one server per spec on 127.0.0.1:0 and registers them. A
// failure ends the test.
func Start(t testing.TB, specs ...Spec) *Cluster {
	t.Helper()
	c := &Cluster{Registry: registry.NewMemory()}
	t.Cleanup(func() { c.Registry.Close() })
	for _, spec := range specs {
		c.Add(t, spec)
	}
	return c
}

// Add starts one more server in the cluster.
func (c *Cluster) Add(t testing.TB, spec Spec) *Member {
	t.Helper()
	if spec.Service == "" {
		spec.Service = Service
	}
	n := node.New(spec.Name, spec.Node...)
	s := server.New(c.Registry, spec.Service,
		server.WithWeight(spec.Weight), server.WithGroup(spec.Group),
		server.WithGRPCOptions(spec.Server...))
	userpb.RegisterUserServiceServer(s.GRPC(), n)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testcluster: listen for %s: %v", spec.Name, err)
	}
	g := newGate()
	if err := s.Serve(context.Background(), gatedListener{Listener: lis, g: g}); err != nil {
		t.Fatalf("testcluster: start %s: %v", spec.Name, err)
	}
	t.Cleanup(func() { s.Stop() })
	t.Cleanup(g.thaw) // runs first: a frozen member could not stop
	m := &Member{Spec: spec, Node: n, Server: s, gate: g}
	c.Members = append(c.Members, m)
	return m
}

// Member returns the member named name, or nil.
func (c *Cluster) Member(name string) *Member {
	for _, m := range c.Members {
		if m.Spec.Name == name {
			return m
		}
	}
	return nil
}

// NameOf maps a registered address back to its node name ("" if unknown).
func (c *Cluster) NameOf(addr string) string {
	for _, m := range c.Members {
		if m.Addr() == addr {
			return m.Spec.Name
		}
	}
	return ""
}

// Calls returns the calls each node received, by node name.
func (c *Cluster) Calls() map[string]int64 {
	calls := make(map[string]int64, len(c.Members))
	for _, m := range c.Members {
		calls[m.Spec.Name] = m.Node.Calls()
	}
	return calls
}

// ResetCounters zeroes every node's counters.
func (c *Cluster) ResetCounters() {
	for _, m := range c.Members {
		m.Node.ResetCounters()
	}
}

// Dial connects to the cluster's service with the balancer registered as
// balancerName (import its package) and waits until every member is ready
// in the balancer, so that counts start even. It then zeroes the counters.
// The connection is closed by t.Cleanup.
func (c *Cluster) Dial(t testing.TB, balancerName string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ReadyTimeout)
	defer cancel()
	cc, err := client.Dial(ctx, c.Registry, Service, balancerName, opts...)
	if err != nil {
		t.Fatalf("testcluster: %v", err)
	}
	t.Cleanup(func() { cc.Close() })
	if err := c.WaitMembers(ctx, cc); err != nil {
		t.Fatalf("testcluster: %v", err)
	}
	c.ResetCounters()
	return cc
}

// WaitMembers returns once a call routed directly to each of members (all
// members if none are given) reaches it, i.e. once the balancer of cc has
// them ready. Each such call is counted by its node.
func (c *Cluster) WaitMembers(ctx context.Context, cc *grpc.ClientConn, members ...*Member) error {
	users := userpb.NewUserServiceClient(cc)
	if len(members) == 0 {
		members = c.Members
	}
	for _, m := range members {
		for {
			_, err := users.GetByID(route.WithDirect(ctx, m.Addr()), &userpb.GetByIDRequest{Id: 1})
			// Any answer from the node itself, even a failure it was told
			// to produce, means the balancer can reach it.
			if err == nil || !strings.HasPrefix(status.Convert(err).Message(), "route:") {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("member %s (%s) not ready: %w", m.Spec.Name, m.Addr(), ctx.Err())
			case <-time.After(5 * time.Millisecond): // bounded poll
			}
		}
	}
	return nil
}
