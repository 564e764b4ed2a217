package etcdregistry_test

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"cluster-demo/balancer"
	"cluster-demo/client"
	"cluster-demo/cluster"
	"cluster-demo/node"
	"cluster-demo/registry"
	"cluster-demo/registry/etcdregistry"
	"cluster-demo/resolver"
	"cluster-demo/server"
	"cluster-demo/userpb"
)

// The tests of this file take etcd down, bring it back and restore it
// from scratch, each on an etcd of its own on fixed loopback URLs.

// etcdServer is an etcd of one test that the test stops and starts.
type etcdServer struct {
	t                  *testing.T
	bin, dir           string
	clientURL, peerURL string
	generation         int    // data dir in use; a fresh one is empty
	stop               func() // nil while down
}

// ownEtcd starts an etcd for t alone; t.Cleanup stops it.
func ownEtcd(t *testing.T) *etcdServer {
	t.Helper()
	bin, err := exec.LookPath("etcd")
	if err != nil || endpoint == "" {
		t.Skip("etcd binary not found on PATH; install etcd (Debian: etcd-server) to run the etcd registry tests")
	}
	e := &etcdServer{t: t, bin: bin, dir: t.TempDir(), clientURL: "http://" + freeAddr(), peerURL: "http://" + freeAddr()}
	e.up(false)
	t.Cleanup(e.down)
	return e
}

// up starts etcd on the test's URLs, on the data it had or (fresh) on an
// empty data dir, as a restore from scratch would.
func (e *etcdServer) up(fresh bool) {
	e.t.Helper()
	if fresh {
		e.generation++
	}
	stop, err := startEtcdAt(e.bin, filepath.Join(e.dir, strconv.Itoa(e.generation)), e.clientURL, e.peerURL)
	if err != nil {
		e.t.Fatal(err)
	}
	e.stop = stop
}

// down kills etcd.
func (e *etcdServer) down() {
	if e.stop != nil {
		e.stop()
		e.stop = nil
	}
}

// registryOn dials a registry on e with fast timeouts, closed by Cleanup.
func registryOn(t *testing.T, e *etcdServer, opts ...etcdregistry.Option) *etcdregistry.Registry {
	t.Helper()
	opts = append([]etcdregistry.Option{
		etcdregistry.WithPrefix("/test/" + t.Name() + "/"),
		etcdregistry.WithRequestTimeout(time.Second),
		etcdregistry.WithResyncInterval(100 * time.Millisecond),
		etcdregistry.WithTTL(2 * time.Second),
	}, opts...)
	r, err := etcdregistry.Dial([]string{e.clientURL}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// startServer starts a UserService server named name registered in reg.
func startServer(t *testing.T, reg registry.Registry, name string) (*server.Server, *node.Node) {
	t.Helper()
	n := node.New(name)
	s := server.New(reg, "user")
	userpb.RegisterUserServiceServer(s.GRPC(), n)
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	if err := s.Start(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop() })
	return s, n
}

// waitList receives lists from ch until one satisfies ok, for at most
// timeout, and returns it.
func waitList(t *testing.T, ch <-chan []registry.ServiceInstance, timeout time.Duration, want string, ok func(string) bool) string {
	t.Helper()
	deadline := time.After(timeout)
	last := "(none)"
	for {
		select {
		case list, open := <-ch:
			if !open {
				t.Fatal("subscription closed")
			}
			var addrs []string
			for _, inst := range list {
				addrs = append(addrs, inst.Addr)
			}
			last = strings.Join(addrs, ",")
			if ok(last) {
				return last
			}
		case <-deadline:
			t.Fatalf("no list with %s within %v; last list %q", want, timeout, last)
		}
	}
}

// Regression: a client that started while etcd was down blocked in Dial
// and in its calls past their deadlines, and new servers were never
// reached. Now both fail at their deadlines and work once etcd is back.
func TestDialAndCallsHonourDeadlinesWhileEtcdIsDownAndWorkWhenItIsBack(t *testing.T) {
	e := ownEtcd(t)
	reg := registryOn(t, e)
	e.down()

	start := time.Now()
	ctx, cancel := context.WithTimeout(bg, time.Second)
	_, err := client.Dial(ctx, reg, "user", balancer.RoundRobin)
	cancel()
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("Dial with a 1s deadline while etcd is down: %v after %v", err, time.Since(start))
	}
	cc, err := grpc.NewClient(resolver.Target("user"), grpc.WithResolvers(resolver.NewBuilder(reg)),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(`{"loadBalancingConfig":[{"gee_round_robin":{}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	users := userpb.NewUserServiceClient(cc)
	start = time.Now()
	ctx, cancel = context.WithTimeout(bg, 500*time.Millisecond)
	_, err = users.GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
	cancel()
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("call with a 500ms deadline while etcd is down: %v after %v", err, time.Since(start))
	}

	e.up(false)
	back := time.Now()
	startServer(t, registryOn(t, e), "a")
	registered := time.Now()
	for {
		ctx, cancel := context.WithTimeout(bg, time.Second)
		u, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: 1})
		cancel()
		if err == nil && u.GetNode() == "a" {
			break
		}
		if time.Since(back) > 20*time.Second {
			t.Fatalf("no call reached the new server within 20s of etcd's return: %v", err)
		}
	}
	t.Logf("the client created during the outage reached a new server %v after it registered, %v after etcd answered again",
		time.Since(registered).Round(10*time.Millisecond), time.Since(back).Round(10*time.Millisecond))
}

// Regression: after etcd was restored from scratch, the watch resumed at
// the old revision, which the new history had not reached: nothing came,
// and a new server was never seen.
func TestSubscriptionRereadsAfterEtcdIsRestoredFromScratch(t *testing.T) {
	e := ownEtcd(t)
	watcher := registryOn(t, e)
	owner := registryOn(t, e)
	raw, err := clientv3.New(clientv3.Config{Endpoints: []string{e.clientURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx, cancel := context.WithTimeout(bg, 60*time.Second)
	defer cancel()
	for i := range 30 { // history the fresh etcd will not have
		if _, err := raw.Put(ctx, fmt.Sprintf("/other/%d", i), "x"); err != nil {
			t.Fatal(err)
		}
	}
	if err := owner.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "a:1"}); err != nil {
		t.Fatal(err)
	}
	ch, err := watcher.Subscribe(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	waitList(t, ch, 5*time.Second, "a:1", func(l string) bool { return l == "a:1" })

	e.down()
	e.up(true) // empty: revision 1, raft term 2
	newcomer := registryOn(t, e)
	if err := newcomer.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "b:1"}); err != nil {
		t.Fatal(err)
	}
	// b:1 is new; a:1 comes back because its owner renews its lost lease.
	got := waitList(t, ch, 20*time.Second, "a:1 and b:1", func(l string) bool { return l == "a:1,b:1" })
	t.Logf("after the restore the subscription lists %s", got)
}

// The resync check notices a watch waiting for revisions etcd has not
// reached (its history went back) and reads the list again.
func TestSubscriptionRereadsWhenEtcdIsBehindItsRevision(t *testing.T) {
	r := newRegistry(t, etcdregistry.WithResyncInterval(50*time.Millisecond))
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	if err := r.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "a:1"}); err != nil {
		t.Fatal(err)
	}
	resp, err := rawClient(t).Get(ctx, "health")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		rev, term int64
	}{
		{"revision ahead", resp.Header.Revision + 1000, int64(resp.Header.RaftTerm)},
		{"raft term ahead", resp.Header.Revision, int64(resp.Header.RaftTerm) + 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			subCtx, stop := context.WithCancel(ctx)
			defer stop()
			ch := etcdregistry.FollowFrom(subCtx, r, "user", tc.rev, tc.term)
			waitList(t, ch, 10*time.Second, "a:1", func(l string) bool { return l == "a:1" })
		})
	}
}

// A watch from a revision etcd compacted away fails at once; the
// subscription reads the list again instead of going silent.
func TestSubscriptionRereadsWhenItsRevisionWasCompacted(t *testing.T) {
	r := newRegistry(t)
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	cli := rawClient(t)
	prefix := "/test/" + t.Name() + "/"
	first, err := cli.Put(ctx, prefix+"user/old:1", `{"name":"user","addr":"old:1"}`)
	if err != nil {
		t.Fatal(err)
	}
	cli.Delete(ctx, prefix+"user/old:1")
	if err := r.Register(ctx, registry.ServiceInstance{Name: "user", Addr: "a:1"}); err != nil {
		t.Fatal(err)
	}
	now, err := cli.Get(ctx, "health")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Compact(ctx, now.Header.Revision); err != nil {
		t.Fatal(err)
	}
	ch := etcdregistry.FollowFrom(ctx, r, "user", first.Header.Revision-1, int64(now.Header.RaftTerm))
	waitList(t, ch, 10*time.Second, "a:1", func(l string) bool { return l == "a:1" })
}

// Regression: a live server whose key someone deleted (etcdctl del, an
// Unregister of the same address elsewhere) stayed unlisted: the registry
// only reacted to a lost lease.
func TestDeletedKeyOfALiveRegistrationIsPutBack(t *testing.T) {
	watcher := newRegistry(t)
	owner := newRegistry(t)
	elsewhere := newRegistry(t)
	ctx, cancel := context.WithTimeout(bg, 30*time.Second)
	defer cancel()
	inst := registry.ServiceInstance{Name: "user", Addr: "a:1"}
	if err := owner.Register(ctx, inst); err != nil {
		t.Fatal(err)
	}
	ch, err := watcher.Subscribe(ctx, "user")
	if err != nil {
		t.Fatal(err)
	}
	waitList(t, ch, 5*time.Second, "a:1", func(l string) bool { return l == "a:1" })
	cli := rawClient(t)
	key := "/test/" + t.Name() + "/user/a:1"
	registered, err := cli.Get(ctx, key)
	if err != nil || len(registered.Kvs) != 1 {
		t.Fatalf("get %s: %v, %d keys", key, err, len(registered.Kvs))
	}
	lease := registered.Kvs[0].Lease

	for _, remove := range []struct {
		how string
		do  func() error
	}{
		{"etcdctl del", func() error { _, err := cli.Delete(ctx, key); return err }},
		{"Unregister elsewhere", func() error { return elsewhere.Unregister(ctx, inst) }},
	} {
		// The key's own history says what happened: the removal, then the
		// owner's put on its own lease. The subscriber may never see the
		// gap between them (a feed keeps only the newest list), so it is
		// asked only for the list that follows.
		history := watchKey(t, ctx, cli, key)
		if err := remove.do(); err != nil {
			t.Fatal(err)
		}
		got := history.next(2)
		if got[0].Type != clientv3.EventTypeDelete || got[1].Type != clientv3.EventTypePut {
			t.Fatalf("after %s the changes to %s are %v then %v, want a delete then a put", remove.how, key, got[0].Type, got[1].Type)
		}
		if back := got[1].Kv.Lease; back != lease {
			t.Fatalf("after %s the key is on lease %x, want the registration's own %x", remove.how, back, lease)
		}
		waitList(t, ch, 10*time.Second, "a:1 back", func(l string) bool { return l == "a:1" })
	}

	// The owner's own Unregister is final.
	if err := owner.Unregister(ctx, inst); err != nil {
		t.Fatal(err)
	}
	waitList(t, ch, 5*time.Second, "no instance", func(l string) bool { return l == "" })
	select {
	case list := <-ch:
		t.Fatalf("unregistered instance came back: %+v", list)
	case <-time.After(time.Second):
	}
	if got, err := watcher.List(ctx, "user"); err != nil || len(got) != 0 {
		t.Fatalf("List after Unregister: %+v, %v", got, err)
	}
}

// Regression: each broadcast listed the registry, so broadcasts failed
// while etcd was down although ordinary calls kept working.
func TestBroadcastUsesTheLastListWhileEtcdIsDown(t *testing.T) {
	e := ownEtcd(t)
	reg := registryOn(t, e)
	_, a := startServer(t, reg, "a")
	_, b := startServer(t, reg, "b")
	bc, err := cluster.NewBroadcaster(reg, "user")
	if err != nil {
		t.Fatal(err)
	}
	defer bc.Close()
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	cc, err := client.Dial(ctx, reg, "user", balancer.RoundRobin, grpc.WithChainUnaryInterceptor(bc.UnaryClientInterceptor()))
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	users := userpb.NewUserServiceClient(cc)
	broadcast := func() error {
		ctx, cancel := context.WithTimeout(bg, 3*time.Second)
		defer cancel()
		_, err := users.GetByID(cluster.Broadcast(ctx, cluster.NoReplies()), &userpb.GetByIDRequest{Id: 1})
		return err
	}
	// Bounded: both servers are in the broadcaster's list.
	for a.Calls() == 0 || b.Calls() == 0 {
		if err := broadcast(); err != nil || ctx.Err() != nil {
			t.Fatalf("broadcast with etcd up: %v (%v)", err, ctx.Err())
		}
	}
	before := a.Calls() + b.Calls()

	e.down()
	for range 3 {
		if err := broadcast(); err != nil {
			t.Fatalf("broadcast with etcd down: %v", err)
		}
	}
	if got := a.Calls() + b.Calls() - before; got != 6 {
		t.Fatalf("3 broadcasts with etcd down made %d node calls, want 6", got)
	}
	if _, err := users.GetByID(ctx, &userpb.GetByIDRequest{Id: 1}); err != nil {
		t.Fatalf("ordinary call with etcd down: %v", err)
	}
	e.up(false) // so that the servers unregister quickly on cleanup
}
