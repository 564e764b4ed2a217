package etcdregistry_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/node"
	"cluster-demo/registry"
	"cluster-demo/registry/etcdregistry"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

// endpoint is the client URL of the etcd that TestMain started, "" if none.
var endpoint string

// TestMain starts one etcd server on free loopback ports with a temporary
// data dir when the etcd binary is on PATH; without it the tests skip.
func TestMain(m *testing.M) {
	os.Exit(runWithEtcd(m))
}

func runWithEtcd(m *testing.M) int {
	bin, err := exec.LookPath("etcd")
	if err != nil {
		return m.Run() // each test skips, naming the binary
	}
	dir, err := os.MkdirTemp("", "etcdregistry-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// A free port is only free until someone takes it: on a busy machine
	// another process may grab one between freeAddr and etcd's bind, and
	// etcd exits. Try again with fresh ports a few times.
	for attempt := 1; ; attempt++ {
		stop, url, err := startEtcd(bin, filepath.Join(dir, strconv.Itoa(attempt)))
		if err == nil {
			defer stop()
			endpoint = url
			return m.Run()
		}
		if attempt == 3 {
			fmt.Fprintf(os.Stderr, "etcd did not come up after %d attempts: %v\n", attempt, err)
			return 1
		}
	}
}

// startEtcd starts etcd on two free loopback ports and waits until it
// answers; stop kills it.
func startEtcd(bin, dataDir string) (stop func(), clientURL string, err error) {
	clientURL, peerURL := "http://"+freeAddr(), "http://"+freeAddr()
	stop, err = startEtcdAt(bin, dataDir, clientURL, peerURL)
	return stop, clientURL, err
}

// startEtcdAt starts etcd on the given URLs and waits until it answers;
// stop kills it, as a crash would.
func startEtcdAt(bin, dataDir, clientURL, peerURL string) (stop func(), err error) {
	cmd := exec.Command(bin,
		"--name", "test", "--data-dir", dataDir,
		"--listen-client-urls", clientURL, "--advertise-client-urls", clientURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "test="+peerURL, "--log-level", "error")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start etcd: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop = func() {
		cmd.Process.Kill()
		<-exited
	}
	if err := waitEtcd(clientURL, exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w\n%s", err, logs.String())
	}
	return stop, nil
}

func freeAddr() string {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer lis.Close()
	return lis.Addr().String()
}

// waitEtcd polls etcd (bounded) until it answers a read, or gives up early
// when the process has exited.
func waitEtcd(url string, exited <-chan struct{}) error {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{url}, DialTimeout: time.Second})
	if err != nil {
		return err
	}
	defer cli.Close()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := cli.Get(ctx, "health")
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-exited:
			return fmt.Errorf("etcd exited: %w", err)
		case <-time.After(50 * time.Millisecond): // bounded poll
		}
	}
}

// newRegistry returns a registry under a prefix of its own, so tests do
// not see each other's keys.
func newRegistry(t *testing.T, opts ...etcdregistry.Option) *etcdregistry.Registry {
	t.Helper()
	if endpoint == "" {
		t.Skip("etcd binary not found on PATH; install etcd (Debian: etcd-server) to run the etcd registry tests")
	}
	opts = append([]etcdregistry.Option{etcdregistry.WithPrefix("/test/" + t.Name() + "/")}, opts...)
	r, err := etcdregistry.Dial([]string{endpoint}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// rawClient is a plain etcd client on the test server, closed by Cleanup,
// for writing behind a registry's back.
func rawClient(t *testing.T) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

var bg = context.Background()

// keyHistory follows the changes to one key in etcd, from the revision
// after the one current when it was made.
type keyHistory struct {
	t      *testing.T
	key    string
	events clientv3.WatchChan
}

// watchKey starts a keyHistory of key; it ends with ctx or the test.
func watchKey(t *testing.T, ctx context.Context, cli *clientv3.Client, key string) *keyHistory {
	t.Helper()
	now, err := cli.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	return &keyHistory{t: t, key: key, events: cli.Watch(wctx, key, clientv3.WithRev(now.Header.Revision+1))}
}

// next returns the next n changes to the key, failing the test if they do
// not come within 10s.
func (h *keyHistory) next(n int) []*clientv3.Event {
	h.t.Helper()
	var got []*clientv3.Event
	deadline := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case resp := <-h.events:
			if err := resp.Err(); err != nil {
				h.t.Fatalf("watching %s: %v", h.key, err)
			}
			got = append(got, resp.Events...)
		case <-deadline:
			h.t.Fatalf("%d of %d changes to %s within 10s", len(got), n, h.key)
		}
	}
	return got[:n]
}

func TestRegisterListUnregister(t *testing.T) {
	r := newRegistry(t)
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	for _, inst := range []registry.ServiceInstance{
		{Name: "user", Addr: "10.0.0.2:80", Weight: 3, Group: "b"},
		{Name: "user", Addr: "10.0.0.1:80"},
		{Name: "order", Addr: "10.0.0.9:80"},
	} {
		if err := r.Register(ctx, inst); err != nil {
			t.Fatal(err)
		}
	}
	got, err := r.List(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	want := []registry.ServiceInstance{
		{Name: "user", Addr: "10.0.0.1:80", Weight: 1},
		{Name: "user", Addr: "10.0.0.2:80", Weight: 3, Group: "b"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("List = %+v, want %+v", got, want)
	}
	if err := r.Unregister(ctx, want[0]); err != nil {
		t.Fatal(err)
	}
	if got, _ := r.List(ctx, "user"); len(got) != 1 || got[0].Addr != "10.0.0.2:80" {
		t.Fatalf("after Unregister List = %+v", got)
	}
	if err := r.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "x:1", Weight: -1}); err == nil {
		t.Fatal("negative weight accepted")
	}
	if err := r.Register(ctx, registry.ServiceInstance{Name: "a/b", Addr: "x:1"}); err == nil {
		t.Fatal("service name with a slash accepted")
	}
}

func recv(t *testing.T, ch <-chan []registry.ServiceInstance, timeout time.Duration) string {
	t.Helper()
	select {
	case list, ok := <-ch:
		if !ok {
			t.Fatal("subscription closed")
		}
		var addrs []string
		for _, inst := range list {
			addrs = append(addrs, fmt.Sprintf("%s/w%d", inst.Addr, inst.Weight))
		}
		return strings.Join(addrs, ",")
	case <-time.After(timeout):
		t.Fatalf("no update within %v", timeout)
		return ""
	}
}

func TestSubscribeFollowsChanges(t *testing.T) {
	r := newRegistry(t)
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	r.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "a:1"})
	ch, err := r.Subscribe(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	if got := recv(t, ch, 5*time.Second); got != "a:1/w1" {
		t.Fatalf("first list %q", got)
	}
	r.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "b:1", Weight: 2})
	if got := recv(t, ch, 5*time.Second); got != "a:1/w1,b:1/w2" {
		t.Fatalf("after register %q", got)
	}
	r.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "b:1", Weight: 4}) // new weight
	if got := recv(t, ch, 5*time.Second); got != "a:1/w1,b:1/w4" {
		t.Fatalf("after re-register %q", got)
	}
	r.Unregister(ctx, registry.ServiceInstance{Name: "user", Addr: "a:1"})
	if got := recv(t, ch, 5*time.Second); got != "b:1/w4" {
		t.Fatalf("after unregister %q", got)
	}
	cancel()
	for range ch { // closed once ctx ends
	}
}

func TestCrashedServerDisappearsWhenLeaseExpires(t *testing.T) {
	watcher := newRegistry(t)
	prefix := "/test/" + t.Name() + "/"
	// The "server" has a client of its own, which we close without
	// unregistering: keep-alives stop as if the process had crashed.
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	server := etcdregistry.New(cli, etcdregistry.WithPrefix(prefix), etcdregistry.WithTTL(2*time.Second))
	ctx, cancel := context.WithTimeout(bg, 30*time.Second)
	defer cancel()
	if err := server.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "doomed:1"}); err != nil {
		t.Fatal(err)
	}
	ch, err := watcher.Subscribe(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	if got := recv(t, ch, 5*time.Second); got != "doomed:1/w1" {
		t.Fatalf("first list %q", got)
	}
	// Kept alive past its TTL while the server lives.
	select {
	case list := <-ch:
		t.Fatalf("instance changed while alive: %+v", list)
	case <-time.After(3 * time.Second):
	}
	cli.Close() // crash
	start := time.Now()
	if got := recv(t, ch, 15*time.Second); got != "" {
		t.Fatalf("after the crash the list is %q, want empty", got)
	}
	t.Logf("crashed instance removed %v after the crash", time.Since(start).Round(100*time.Millisecond))
}

// A live server whose lease is lost (here revoked behind its back, as
// happens when etcd is out of reach for longer than the TTL) must come back
// instead of staying unlisted while it serves.
func TestLostLeaseIsReplacedWhileRegistered(t *testing.T) {
	watcher := newRegistry(t)
	// A short TTL makes the client send keep-alives often, so it notices
	// the lost lease soon.
	owner := newRegistry(t, etcdregistry.WithTTL(2*time.Second))
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	if err := owner.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "a:1"}); err != nil {
		t.Fatal(err)
	}
	ch, err := watcher.Subscribe(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	if got := recv(t, ch, 5*time.Second); got != "a:1/w1" {
		t.Fatalf("first list %q", got)
	}
	cli := rawClient(t)
	key := "/test/" + t.Name() + "/user/a:1"
	resp, err := cli.Get(ctx, key)
	if err != nil || len(resp.Kvs) != 1 {
		t.Fatalf("get %s: %v, %d keys", key, err, len(resp.Kvs))
	}
	history := watchKey(t, ctx, cli, key)
	if _, err := cli.Revoke(ctx, clientv3.LeaseID(resp.Kvs[0].Lease)); err != nil {
		t.Fatal(err)
	}
	// The key's history shows the loss and the put under a new lease; the
	// subscriber may skip the gap between them (a feed keeps only the
	// newest list), so it is asked only for the list that follows.
	got := history.next(2)
	if got[0].Type != clientv3.EventTypeDelete || got[1].Type != clientv3.EventTypePut {
		t.Fatalf("after the revoke the changes to %s are %v then %v, want a delete then a put", key, got[0].Type, got[1].Type)
	}
	if got[1].Kv.Lease == resp.Kvs[0].Lease {
		t.Fatalf("the key came back on the revoked lease %x", got[1].Kv.Lease)
	}
	waitList(t, ch, 10*time.Second, "a:1 back", func(l string) bool { return l == "a:1" })
	// Close revokes the new lease too: nothing is left behind.
	if err := owner.Close(); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, ch, 5*time.Second); got != "" {
		t.Fatalf("after Close the list is %q, want empty", got)
	}
}

func TestCloseRevokesOwnInstancesAndEndsSubscriptions(t *testing.T) {
	watcher := newRegistry(t)
	owner := newRegistry(t)
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	// Both registries share the prefix of this test.
	owner.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "a:1"})
	ch, err := watcher.Subscribe(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	recv(t, ch, 5*time.Second)
	ownCh, _ := owner.Subscribe(ctx, "user")
	if err := owner.Close(); err != nil {
		t.Fatal(err)
	}
	if got := recv(t, ch, 5*time.Second); got != "" {
		t.Fatalf("after the owner closed: %q, want empty", got)
	}
	for range ownCh { // the owner's own subscription ended
	}
	if err := owner.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "b:1"}); !errors.Is(err, registry.ErrClosed) {
		t.Fatalf("Register after Close = %v, want ErrClosed", err)
	}
}

func TestForeignValuesAreSkipped(t *testing.T) {
	r := newRegistry(t)
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	cli := rawClient(t)
	prefix := "/test/" + t.Name() + "/"
	cli.Put(ctx, prefix+"user/junk", "not json")
	r.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "a:1"})
	got, err := r.List(ctx, "user")
	if err != nil || len(got) != 1 || got[0].Addr != "a:1" {
		t.Fatalf("List = %+v, %v; want only a:1", got, err)
	}
	// A subscription agrees with List when a known key is overwritten
	// with junk: the instance is gone, not stuck at its last good value.
	ch, err := r.Subscribe(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	if got := recv(t, ch, 5*time.Second); got != "a:1/w1" {
		t.Fatalf("first list %q", got)
	}
	cli.Put(ctx, prefix+"user/a:1", "not json either")
	if got := recv(t, ch, 5*time.Second); got != "" {
		t.Fatalf("after a:1 was overwritten with junk the list is %q, want empty", got)
	}
}

func TestWeightsTravelFromEtcdToTheBalancer(t *testing.T) {
	r := newRegistry(t)
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	for _, spec := range []struct {
		name   string
		weight int
	}{{"heavy", 3}, {"light", 1}} {
		s := server.New(r, "user", server.WithWeight(spec.weight))
		userpb.RegisterUserServiceServer(s.GRPC(), node.New(spec.name))
		if err := s.Start(ctx, "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		defer s.Stop()
	}
	cc, err := client.Dial(ctx, r, "user", balancer.WeightedRoundRobin)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	users := userpb.NewUserServiceClient(cc)
	// Wait (bounded by ctx) until both servers are in the picker.
	for seen := map[string]bool{}; !seen["heavy"] || !seen["light"]; {
		u, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
		if err != nil {
			t.Fatal(err)
		}
		seen[u.GetNode()] = true
	}
	got := map[string]int{}
	for i := 0; i < 40; i++ {
		u, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
		if err != nil {
			t.Fatal(err)
		}
		got[u.GetNode()]++
	}
	if got["heavy"] != 30 || got["light"] != 10 {
		t.Fatalf("spread %v, want heavy 30, light 10 (weights 3:1 read from etcd)", got)
	}
}
