package xclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gee-rpc/day7-registry/geerpc"
)

// Node is the service every test server offers.
type Node struct {
	name    string
	release chan struct{}
}

// Name answers with the server's name.
func (n *Node) Name(args int, reply *string) error {
	*reply = n.name
	return nil
}

// FailOn fails on the server named args.
func (n *Node) FailOn(args string, reply *string) error {
	if args == n.name {
		return fmt.Errorf("node %s: failing on purpose", n.name)
	}
	*reply = n.name
	return nil
}

// FailOrWait fails on the server named args and blocks on the others
// until released.
func (n *Node) FailOrWait(args string, reply *string) error {
	if args == n.name {
		return fmt.Errorf("node %s: failing on purpose", n.name)
	}
	<-n.release
	*reply = n.name
	return nil
}

// trackingListener remembers accepted connections so a test can cut them.
type trackingListener struct {
	net.Listener
	mu       sync.Mutex
	conns    []net.Conn
	accepted atomic.Int32
}

func (l *trackingListener) Accept() (net.Conn, error) {
	conn, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
		l.mu.Lock()
		l.conns = append(l.conns, conn)
		l.mu.Unlock()
	}
	return conn, err
}

func (l *trackingListener) cutAll() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		_ = c.Close()
	}
	l.conns = nil
}

// startNode serves a Node named name on a loopback port.
func startNode(t *testing.T, name string) (rpcAddr string, node *Node, lis *trackingListener) {
	t.Helper()
	node = &Node{name: name, release: make(chan struct{})}
	server := geerpc.NewServer()
	if err := server.Register(node); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lis = &trackingListener{Listener: l}
	go server.Accept(lis)
	t.Cleanup(func() {
		_ = lis.Close()
		lis.cutAll()
		select {
		case <-node.release:
		default:
			close(node.release)
		}
	})
	return "tcp@" + l.Addr().String(), node, lis
}

func TestSelectModes(t *testing.T) {
	ctx := context.Background()
	servers := []string{"a", "b", "c"}
	d := NewMultiServerDiscovery(servers)
	first, _ := d.Get(ctx, RoundRobinSelect)
	seen := []string{first}
	for range 5 {
		s, err := d.Get(ctx, RoundRobinSelect)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, s)
	}
	for i := 3; i < 6; i++ {
		if seen[i] != seen[i-3] {
			t.Fatalf("round robin is not periodic: %v", seen)
		}
	}
	if seen[0] == seen[1] || seen[1] == seen[2] || seen[0] == seen[2] {
		t.Fatalf("round robin repeats within a round: %v", seen)
	}

	counts := map[string]int{}
	for range 300 {
		s, _ := d.Get(ctx, RandomSelect)
		counts[s]++
	}
	for _, s := range servers {
		if counts[s] == 0 {
			t.Fatalf("random never picked %s: %v", s, counts)
		}
	}

	if _, err := d.Get(ctx, SelectMode(9)); err == nil {
		t.Fatal("unknown select mode accepted")
	}
	if err := d.Refresh(ctx); err != nil { // nothing to reload: the list stays
		t.Fatal(err)
	}
	if all, err := d.GetAll(ctx); err != nil || len(all) != 3 {
		t.Fatalf("after Refresh: %v, %v", all, err)
	}
	_ = d.Update([]string{"z"})
	if s, _ := d.Get(ctx, RoundRobinSelect); s != "z" {
		t.Fatalf("after Update got %s", s)
	}
	all, _ := d.GetAll(ctx)
	all[0] = "changed"
	if s, _ := d.Get(ctx, RandomSelect); s != "z" {
		t.Fatal("GetAll did not return a copy")
	}
}

func TestNoServersIsAClearError(t *testing.T) {
	xc := NewXClient(NewMultiServerDiscovery(nil), RandomSelect, nil)
	defer xc.Close()
	if err := xc.Call(context.Background(), "Node.Name", 0, new(string)); !errors.Is(err, ErrNoServers) {
		t.Fatalf("Call: %v", err)
	}
	if err := xc.Broadcast(context.Background(), "Node.Name", 0, new(string)); !errors.Is(err, ErrNoServers) {
		t.Fatalf("Broadcast: %v", err)
	}
	if ErrNoServers.Error() != "geerpc: no available servers" {
		t.Fatal(ErrNoServers)
	}
}

func TestCallSpreadsOverServersAndReusesClients(t *testing.T) {
	a, _, lisA := startNode(t, "a")
	b, _, lisB := startNode(t, "b")
	for _, mode := range []SelectMode{RandomSelect, RoundRobinSelect} {
		t.Run(mode.String(), func(t *testing.T) {
			xc := NewXClient(NewMultiServerDiscovery([]string{a, b}), mode, nil)
			defer xc.Close()
			names := map[string]int{}
			for range 40 {
				var name string
				if err := xc.Call(context.Background(), "Node.Name", 0, &name); err != nil {
					t.Fatal(err)
				}
				names[name]++
			}
			if names["a"] == 0 || names["b"] == 0 {
				t.Fatalf("calls did not reach both servers: %v", names)
			}
			if mode == RoundRobinSelect && names["a"] != names["b"] {
				t.Fatalf("round robin uneven: %v", names)
			}
		})
	}
	// Two XClients, one connection each per server.
	if n := lisA.accepted.Load() + lisB.accepted.Load(); n != 4 {
		t.Fatalf("%d connections accepted, want 4 (one per server per XClient)", n)
	}
}

func TestDeadClientIsReplaced(t *testing.T) {
	a, _, lis := startNode(t, "a")
	xc := NewXClient(NewMultiServerDiscovery([]string{a}), RandomSelect, nil)
	defer xc.Close()
	var name string
	if err := xc.Call(context.Background(), "Node.Name", 0, &name); err != nil {
		t.Fatal(err)
	}
	xc.mu.Lock()
	old := xc.clients[a]
	xc.mu.Unlock()

	lis.cutAll() // the server drops the connection
	deadline := time.Now().Add(5 * time.Second)
	for old.IsAvailable() {
		if time.Now().After(deadline) {
			t.Fatal("client never noticed the dropped connection")
		}
		runtime.Gosched()
	}
	if err := xc.Call(context.Background(), "Node.Name", 0, &name); err != nil || name != "a" {
		t.Fatalf("after the drop: %q, %v", name, err)
	}
	if n := lis.accepted.Load(); n != 2 {
		t.Fatalf("%d connections accepted, want 2", n)
	}
}

// hangingHTTP accepts connections and never answers the CONNECT, until
// hangUp closes them.
func hangingHTTP(t *testing.T) (rpcAddr string, accepted chan struct{}, hangUp func()) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted = make(chan struct{}, 16)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
			accepted <- struct{}{}
		}
	}()
	hangUp = func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	}
	t.Cleanup(func() {
		_ = lis.Close()
		hangUp()
	})
	return "http@" + lis.Addr().String(), accepted, hangUp
}

// Regression: the well-known XClient held its lock while dialing, so one
// unresponsive server stalled every call.
func TestSlowDialDoesNotBlockOtherCalls(t *testing.T) {
	hang, accepted, hangUp := hangingHTTP(t)
	good, _, _ := startNode(t, "good")
	d := NewMultiServerDiscovery([]string{hang})
	xc := NewXClient(d, RandomSelect, &geerpc.Option{ConnectTimeout: time.Minute})
	defer xc.Close()

	stuck := make(chan error, 1)
	go func() { stuck <- xc.Call(context.Background(), "Node.Name", 0, new(string)) }()
	select {
	case <-accepted: // the first call is now inside its dial
	case <-time.After(5 * time.Second):
		t.Fatal("the first call never dialed")
	}

	_ = d.Update([]string{good})
	done := make(chan error, 1)
	go func() {
		var name string
		err := xc.Call(context.Background(), "Node.Name", 0, &name)
		if err == nil && name != "good" {
			err = fmt.Errorf("name %q", name)
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-stuck:
		t.Fatal("the slow dial ended before the other call could finish")
	}
	hangUp() // now let the stuck dial fail
	if err := <-stuck; err == nil || !strings.Contains(err.Error(), "read CONNECT response") {
		t.Fatalf("slow dial: %v", err)
	}
}

// Regression: XClient dialed without the call's context, so a server that
// took the CONNECT and never answered held the call for the whole
// ConnectTimeout (10 s by default), whatever its deadline.
func TestCallDialsWithinItsContext(t *testing.T) {
	hang, _, _ := hangingHTTP(t)
	xc := NewXClient(NewMultiServerDiscovery([]string{hang}), RandomSelect, &geerpc.Option{ConnectTimeout: time.Minute})
	defer xc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- xc.Call(ctx, "Node.Name", 0, new(string)) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the deadline", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Call still dialing long after its deadline")
	}
}

// Regression: Broadcast waited for a dial that could not finish although
// another server had failed long before.
func TestBroadcastReturnsOnFirstErrorWithoutWaitingForDials(t *testing.T) {
	hang, accepted, _ := hangingHTTP(t)
	a, _, _ := startNode(t, "a")
	baseline := runtime.NumGoroutine()
	xc := NewXClient(NewMultiServerDiscovery([]string{hang, a}), RandomSelect, &geerpc.Option{ConnectTimeout: time.Minute})
	done := make(chan error, 1)
	go func() { done <- xc.Broadcast(context.Background(), "Node.FailOn", "a", new(string)) }()
	<-accepted // the dial to hang has started; a fails at once
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "node a: failing on purpose") {
			t.Fatalf("err = %v, want a's error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Broadcast still waits for the hanging dial")
	}
	_ = xc.Close()
	waitGoroutines(t, baseline)
}

// waitGoroutines polls until at most max goroutines run, for up to 5 s.
func waitGoroutines(t *testing.T, max int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > max {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), max, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBroadcastFillsReplyFromOneSuccess(t *testing.T) {
	a, _, _ := startNode(t, "a")
	b, _, _ := startNode(t, "b")
	xc := NewXClient(NewMultiServerDiscovery([]string{a, b}), RandomSelect, nil)
	defer xc.Close()
	var name string
	if err := xc.Broadcast(context.Background(), "Node.FailOn", "nobody", &name); err != nil {
		t.Fatal(err)
	}
	if name != "a" && name != "b" {
		t.Fatalf("reply %q", name)
	}
	if err := xc.Broadcast(context.Background(), "Node.Name", 0, nil); err != nil {
		t.Fatalf("nil reply: %v", err)
	}
	if err := xc.Broadcast(context.Background(), "Node.Name", 0, name); err == nil || !strings.Contains(err.Error(), "non-nil pointer") {
		t.Fatalf("non-pointer reply: %v", err)
	}
}

func TestBroadcastFirstErrorCancelsTheRest(t *testing.T) {
	a, _, _ := startNode(t, "a")
	slow, slowNode, _ := startNode(t, "slow")
	xc := NewXClient(NewMultiServerDiscovery([]string{a, slow}), RandomSelect, nil)
	defer xc.Close()

	// "a" fails at once; "slow" blocks until released, which happens only
	// after Broadcast returned, so Broadcast must have cancelled it.
	defer close(slowNode.release)
	var name string
	broadcast := make(chan error, 1)
	go func() { broadcast <- xc.Broadcast(context.Background(), "Node.FailOrWait", "a", &name) }()
	var err error
	select {
	case err = <-broadcast:
	case <-time.After(5 * time.Second):
		t.Fatal("Broadcast still waits for the slow server after another one failed")
	}
	if err == nil || !strings.Contains(err.Error(), "node a: failing on purpose") || !strings.Contains(err.Error(), "broadcast to "+a) {
		t.Fatalf("err = %v, want a's error", err)
	}
	if name != "" {
		t.Fatalf("reply filled (%q) although the broadcast failed", name)
	}
}

// trackingCtx counts the cancel hooks that derived contexts register
// with it and release again.
type trackingCtx struct {
	context.Context
	done                 chan struct{}
	registered, released atomic.Int32
}

func (c *trackingCtx) Done() <-chan struct{} { return c.done }

func (c *trackingCtx) AfterFunc(f func()) (stop func() bool) {
	c.registered.Add(1)
	return func() bool {
		c.released.Add(1)
		return true
	}
}

// Regression: the well-known Broadcast derived a cancellable context and
// never released it on success.
func TestBroadcastReleasesItsContext(t *testing.T) {
	a, _, _ := startNode(t, "a")
	b, _, _ := startNode(t, "b")
	xc := NewXClient(NewMultiServerDiscovery([]string{a, b}), RandomSelect, nil)
	defer xc.Close()
	for _, failOn := range []string{"nobody", "a"} {
		ctx := &trackingCtx{Context: context.Background(), done: make(chan struct{})}
		_ = xc.Broadcast(ctx, "Node.FailOn", failOn, new(string))
		if r, rel := ctx.registered.Load(), ctx.released.Load(); r == 0 || r != rel {
			t.Fatalf("failOn %s: %d derived contexts, %d released", failOn, r, rel)
		}
	}
}

func TestClosedXClient(t *testing.T) {
	a, _, _ := startNode(t, "a")
	xc := NewXClient(NewMultiServerDiscovery([]string{a}), RandomSelect, nil)
	if err := xc.Call(context.Background(), "Node.Name", 0, new(string)); err != nil {
		t.Fatal(err)
	}
	_ = xc.Close()
	if err := xc.Call(context.Background(), "Node.Name", 0, new(string)); !errors.Is(err, ErrClosed) {
		t.Fatalf("err = %v", err)
	}
}
