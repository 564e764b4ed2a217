// Package etcdregistry is a registry.Registry stored in etcd.
//
// Each instance is a key <prefix><service>/<addr> holding the instance as
// JSON, attached to a lease that the registry keeps alive while the
// instance is registered. A server that crashes stops the keep-alives, the
// lease expires after the TTL and the key disappears, so clients stop
// calling a dead address without anyone unregistering it. A live server
// puts its key back as soon as it can when the key disappears anyway:
// deleted by someone else (etcdctl del, an Unregister elsewhere) or lost
// with its lease (etcd out of reach for longer than the TTL, etcd restored
// from scratch).
//
// Subscribe reads the prefix once and then follows a prefix watch from the
// next revision. A watch resumed against an etcd whose history went back
// (restored from a backup or from scratch) waits silently for revisions
// that will not come for a long time, so every ResyncInterval the
// subscription compares etcd's revision and raft term with the last ones it
// saw and reads the whole list again when either went back.
package etcdregistry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"

	"cluster-demo/registry"
)

// Defaults for Options.
const (
	DefaultPrefix         = "/cluster-demo/services/"
	DefaultTTL            = 10 * time.Second
	DefaultRequestTimeout = 3 * time.Second
	DefaultResyncInterval = 3 * time.Second
)

// Pauses between attempts to repair a registration while etcd does not
// answer.
const (
	retryMin = 100 * time.Millisecond
	retryMax = 2 * time.Second
)

// closeTimeout bounds the lease revocations Close does.
const closeTimeout = 5 * time.Second

// Registry stores instances in etcd. It is safe for concurrent use.
type Registry struct {
	cli     *clientv3.Client
	owned   bool // Close closes cli
	prefix  string
	ttl     time.Duration
	timeout time.Duration // bounds the requests nobody else bounds
	resync  time.Duration

	mu     sync.Mutex
	closed bool
	leases map[string]*lease // key -> lease of an instance registered here
	ctx    context.Context   // ends watches and keep-alives on Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// lease is one registration made here. Its mutex is held around every
// write that puts the key back, so that Unregister, which takes it after
// cancel, never deletes the key before a repair in flight has landed.
type lease struct {
	cancel context.CancelFunc // stops the keep-alive and the repairs

	mu sync.Mutex
	id clientv3.LeaseID // keepRegistered replaces it when the lease is lost
}

// Option configures a Registry.
type Option func(*Registry)

// WithPrefix sets the key prefix (default DefaultPrefix); it should end in "/".
func WithPrefix(p string) Option { return func(r *Registry) { r.prefix = p } }

// WithTTL sets the lease TTL (default DefaultTTL, at least one second): how
// long a crashed server stays listed.
func WithTTL(ttl time.Duration) Option { return func(r *Registry) { r.ttl = ttl } }

// WithRequestTimeout bounds the requests the registry makes on its own
// (a subscription's reads, repairs of a registration; default
// DefaultRequestTimeout). Calls made with a context are bounded by it.
func WithRequestTimeout(d time.Duration) Option { return func(r *Registry) { r.timeout = d } }

// WithResyncInterval sets how often a subscription checks that etcd's
// history did not go back (default DefaultResyncInterval).
func WithResyncInterval(d time.Duration) Option { return func(r *Registry) { r.resync = d } }

// New returns a registry using cli; Close does not close cli.
func New(cli *clientv3.Client, opts ...Option) *Registry {
	r := &Registry{cli: cli, prefix: DefaultPrefix, ttl: DefaultTTL, timeout: DefaultRequestTimeout,
		resync: DefaultResyncInterval, leases: make(map[string]*lease)}
	for _, opt := range opts {
		opt(r)
	}
	if r.ttl < time.Second {
		r.ttl = time.Second
	}
	if r.timeout <= 0 {
		r.timeout = DefaultRequestTimeout
	}
	if r.resync <= 0 {
		r.resync = DefaultResyncInterval
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	// A client closed under the registry ends its keep-alives, repairs and
	// watches too: with a closed client they could only retry in vain.
	context.AfterFunc(cli.Ctx(), r.cancel)
	return r
}

// Dial connects to etcd at endpoints and returns a registry that closes the
// client on Close. It does not wait for etcd to answer. The client
// reconnects at least every second while etcd is away (gRPC's default
// backoff grows to two minutes), so the registry works again soon after
// etcd is back.
func Dial(endpoints []string, opts ...Option) (*Registry, error) {
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   endpoints,
		DialTimeout: 5 * time.Second,
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
			MinConnectTimeout: time.Second,
		})},
	})
	if err != nil {
		return nil, fmt.Errorf("etcdregistry: connect to %v: %w", endpoints, err)
	}
	r := New(cli, opts...)
	r.owned = true
	return r, nil
}

func (r *Registry) serviceKey(service string) string { return r.prefix + service + "/" }

func (r *Registry) instanceKey(inst registry.ServiceInstance) string {
	return r.serviceKey(inst.Name) + inst.Addr
}

// Register implements registry.Registry: it puts the instance under a fresh
// lease and keeps the lease alive until Unregister or Close.
func (r *Registry) Register(ctx context.Context, inst registry.ServiceInstance) error {
	inst, err := registry.Normalize(inst)
	if err != nil {
		return err
	}
	if strings.Contains(inst.Name, "/") {
		return fmt.Errorf("etcdregistry: service name %q contains '/'", inst.Name)
	}
	val, err := json.Marshal(inst)
	if err != nil {
		return fmt.Errorf("etcdregistry: encode %s: %w", inst.Addr, err)
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return registry.ErrClosed
	}
	r.mu.Unlock()

	key := r.instanceKey(inst)
	id, rev, err := r.put(ctx, key, string(val))
	if err != nil {
		return err
	}
	kaCtx, kaCancel := context.WithCancel(r.ctx)
	alive, err := r.cli.KeepAlive(kaCtx, id)
	if err != nil {
		kaCancel()
		r.revoke(id)
		return fmt.Errorf("etcdregistry: keep lease of %s alive: %w", key, err)
	}

	r.mu.Lock()
	if r.closed { // Close ran meanwhile: do not leave the key behind
		r.mu.Unlock()
		kaCancel()
		r.revoke(id)
		return registry.ErrClosed
	}
	l := &lease{id: id, cancel: kaCancel}
	old := r.leases[key]
	r.leases[key] = l
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		r.keepRegistered(kaCtx, l, key, string(val), alive, rev)
	}()
	if old != nil { // re-registration replaced the key; drop the old lease
		r.revoke(old.stop())
	}
	return nil
}

// put writes key under a fresh lease and returns the lease and the
// revision of the write.
func (r *Registry) put(ctx context.Context, key, val string) (clientv3.LeaseID, int64, error) {
	grant, err := r.cli.Grant(ctx, int64(r.ttl/time.Second))
	if err != nil {
		return 0, 0, fmt.Errorf("etcdregistry: grant lease: %w", err)
	}
	resp, err := r.cli.Put(ctx, key, val, clientv3.WithLease(grant.ID))
	if err != nil {
		r.revoke(grant.ID)
		return 0, 0, fmt.Errorf("etcdregistry: put %s: %w", key, err)
	}
	return grant.ID, resp.Header.Revision, nil
}

// stop ends the registration's keep-alive and repairs and returns its
// lease, once no repair is in flight any more.
func (l *lease) stop() clientv3.LeaseID {
	l.cancel()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.id
}

// bounded limits a request the registry makes on its own.
func (r *Registry) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}

// Why a registration needs repair.
type damage int

const (
	stopped   damage = iota // no repair: unregistered or closed
	keyGone                 // the key was deleted; the lease lives
	leaseLost               // the lease, and with it the key, is gone
)

// keepRegistered keeps the instance's key in etcd until ctx ends with
// Unregister or Close. It reads the keep-alive responses (the client sends
// keep-alives as long as someone reads) and watches the key. When the key
// is deleted by someone else it puts it back under the same lease; when the
// lease is lost (etcd out of reach for longer than the TTL, the lease
// revoked, etcd restored from scratch) it puts the key back under a new
// lease. While etcd does not answer it retries with a capped backoff.
func (r *Registry) keepRegistered(ctx context.Context, l *lease, key, val string, alive <-chan *clientv3.LeaseKeepAliveResponse, rev int64) {
	wait := retryMin
	for {
		why := r.watchRegistration(ctx, key, alive, rev)
		if why == stopped {
			return
		}
		var err error
		var newRev int64
		if why == keyGone {
			newRev, err = r.reput(ctx, l, key, val)
			if errors.Is(err, rpctypes.ErrLeaseNotFound) {
				why = leaseLost
			}
		}
		if why == leaseLost {
			var newAlive <-chan *clientv3.LeaseKeepAliveResponse
			newAlive, newRev, err = r.renew(ctx, l, key, val)
			alive = newAlive // nil on failure: the next round renews again
		}
		if err == nil {
			rev, wait = newRev, retryMin
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, retryMax)
	}
}

// watchRegistration waits until the registration needs repair: its lease
// is lost (alive closed, or nil) or its key, written at revision rev, was
// deleted.
func (r *Registry) watchRegistration(ctx context.Context, key string, alive <-chan *clientv3.LeaseKeepAliveResponse, rev int64) damage {
	if alive == nil {
		return leaseLost
	}
	for {
		why, broken := r.watchKey(ctx, key, alive, rev)
		if !broken {
			return why
		}
		// The watch broke (compacted revision, lost leader): look at the
		// key itself and watch again from there.
		gctx, cancel := r.bounded(ctx)
		got, err := r.cli.Get(gctx, key)
		cancel()
		switch {
		case ctx.Err() != nil:
			return stopped
		case err != nil: // etcd is away: pause, then watch (and wait) again
			select {
			case <-ctx.Done():
				return stopped
			case <-time.After(retryMin):
			}
		case len(got.Kvs) == 0:
			return keyGone
		default:
			rev = got.Header.Revision
		}
	}
}

// watchKey watches key from revision rev+1 and reads alive until one says
// the registration needs repair, ctx ends (stopped) or the watch breaks
// (broken).
func (r *Registry) watchKey(ctx context.Context, key string, alive <-chan *clientv3.LeaseKeepAliveResponse, rev int64) (why damage, broken bool) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := r.cli.Watch(wctx, key, clientv3.WithRev(rev+1))
	for {
		select {
		case <-ctx.Done():
			return stopped, false
		case _, ok := <-alive:
			if !ok {
				if ctx.Err() != nil {
					return stopped, false
				}
				return leaseLost, false
			}
		case resp, ok := <-events:
			if !ok || resp.Err() != nil {
				return stopped, ctx.Err() == nil
			}
			for _, ev := range resp.Events {
				if ev.Type == clientv3.EventTypeDelete {
					return keyGone, false
				}
			}
		}
	}
}

// reput puts the deleted key back under the registration's lease and
// returns the revision of the write.
func (r *Registry) reput(ctx context.Context, l *lease, key, val string) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := ctx.Err(); err != nil { // unregistered meanwhile
		return 0, err
	}
	pctx, cancel := r.bounded(ctx)
	defer cancel()
	resp, err := r.cli.Put(pctx, key, val, clientv3.WithLease(l.id))
	if err != nil {
		return 0, fmt.Errorf("etcdregistry: put %s back: %w", key, err)
	}
	return resp.Header.Revision, nil
}

// renew puts the key back under a new lease, keeps that lease alive and
// makes it the registration's.
func (r *Registry) renew(ctx context.Context, l *lease, key, val string) (<-chan *clientv3.LeaseKeepAliveResponse, int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	pctx, cancel := r.bounded(ctx)
	defer cancel()
	id, rev, err := r.put(pctx, key, val)
	if err != nil {
		return nil, 0, err
	}
	if ctx.Err() != nil { // unregistered while the put ran: take it back out
		r.revoke(id)
		return nil, 0, ctx.Err()
	}
	alive, err := r.cli.KeepAlive(ctx, id)
	if err != nil {
		r.revoke(id)
		return nil, 0, fmt.Errorf("etcdregistry: keep lease of %s alive: %w", key, err)
	}
	l.id = id
	return alive, rev, nil
}

// revoke drops a lease and with it its key; errors only mean the lease
// will expire by itself after the TTL.
func (r *Registry) revoke(id clientv3.LeaseID) {
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	r.cli.Revoke(ctx, id)
}

// Unregister implements registry.Registry.
func (r *Registry) Unregister(ctx context.Context, inst registry.ServiceInstance) error {
	if inst.Name == "" || inst.Addr == "" {
		return errors.New("etcdregistry: unregister needs a service name and an address")
	}
	key := r.instanceKey(inst)
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return registry.ErrClosed
	}
	l := r.leases[key]
	delete(r.leases, key)
	r.mu.Unlock()
	var id clientv3.LeaseID
	if l != nil {
		id = l.stop() // no repair puts the key back after the delete
	}
	// Delete even if another process registered it: unregistering names the
	// instance, not the lease. That process puts it back while it lives.
	if _, err := r.cli.Delete(ctx, key); err != nil {
		return fmt.Errorf("etcdregistry: delete %s: %w", key, err)
	}
	if l != nil {
		r.revoke(id)
	}
	return nil
}

// List implements registry.Registry. Values that are not instances (written
// by something else under the prefix) are skipped.
func (r *Registry) List(ctx context.Context, service string) ([]registry.ServiceInstance, error) {
	if r.isClosed() {
		return nil, registry.ErrClosed
	}
	st, err := r.read(ctx, service)
	if err != nil {
		return nil, err
	}
	return sorted(st.insts), nil
}

func (r *Registry) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

func decode(val []byte) (registry.ServiceInstance, bool) {
	var inst registry.ServiceInstance
	if err := json.Unmarshal(val, &inst); err != nil {
		return inst, false
	}
	inst, err := registry.Normalize(inst)
	return inst, err == nil
}

func sorted(insts map[string]registry.ServiceInstance) []registry.ServiceInstance {
	list := make([]registry.ServiceInstance, 0, len(insts))
	for _, inst := range insts {
		list = append(list, inst)
	}
	registry.SortInstances(list)
	return list
}

// Subscribe implements registry.Registry. Its first read is bounded by the
// request timeout: when etcd does not answer, Subscribe fails instead of
// waiting (registry.Follow tries again).
func (r *Registry) Subscribe(ctx context.Context, service string) (<-chan []registry.ServiceInstance, error) {
	if service == "" {
		return nil, errors.New("etcdregistry: subscribe needs a service name")
	}
	if r.isClosed() || r.ctx.Err() != nil { // closed, or its client is
		return nil, registry.ErrClosed
	}
	rctx, cancel := r.bounded(ctx)
	defer cancel()
	st, err := r.read(rctx, service)
	if err != nil {
		return nil, err
	}
	return r.follow(ctx, service, st), nil
}

// view is what a subscription knows: the instances by key, and the
// revision and raft term of etcd when it last heard from it.
type view struct {
	insts     map[string]registry.ServiceInstance
	rev, term int64
}

// read reads the service afresh.
func (r *Registry) read(ctx context.Context, service string) (view, error) {
	resp, err := r.cli.Get(ctx, r.serviceKey(service), clientv3.WithPrefix())
	if err != nil {
		return view{}, fmt.Errorf("etcdregistry: list %q: %w", service, err)
	}
	insts := make(map[string]registry.ServiceInstance, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		if inst, ok := decode(kv.Value); ok {
			insts[string(kv.Key)] = inst
		}
	}
	return view{insts: insts, rev: resp.Header.Revision, term: int64(resp.Header.RaftTerm)}, nil
}

// follow sends st's list and then every change from the watch on a new
// feed, until ctx ends or the registry closes.
func (r *Registry) follow(ctx context.Context, service string, st view) <-chan []registry.ServiceInstance {
	feed := registry.NewFeed()
	feed.Send(sorted(st.insts))
	// The watch ends with ctx or with Close, whichever comes first.
	wctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(r.ctx, cancel)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer feed.Close()
		defer stop()
		defer cancel()
		r.watch(wctx, service, st, feed)
	}()
	return feed.C()
}

// watch applies watch events to st from revision st.rev+1 on and sends the
// list after each batch. When the watch breaks (compaction, no leader) or
// a resync check finds that etcd's history went back, it reads the prefix
// again and resumes from there.
func (r *Registry) watch(ctx context.Context, service string, st view, feed *registry.Feed) {
	ticker := time.NewTicker(r.resync)
	defer ticker.Stop()
	for ctx.Err() == nil {
		if r.watchFrom(ctx, service, &st, feed, ticker.C) {
			return
		}
		// Start over from a fresh read, after a pause so that a dead
		// cluster is not hammered.
		select {
		case <-ctx.Done():
			return
		case <-time.After(retryMin):
		}
		rctx, cancel := r.bounded(ctx)
		fresh, err := r.read(rctx, service)
		cancel()
		if err != nil {
			continue
		}
		st = fresh
		feed.Send(sorted(st.insts))
	}
}

// watchFrom follows one watch until it breaks or a resync check says the
// history went back (false), or until ctx ends (true).
func (r *Registry) watchFrom(ctx context.Context, service string, st *view, feed *registry.Feed, resync <-chan time.Time) (done bool) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events := r.cli.Watch(clientv3.WithRequireLeader(wctx), r.serviceKey(service), clientv3.WithPrefix(), clientv3.WithRev(st.rev+1))
	for {
		select {
		case <-ctx.Done():
			return true
		case resp, ok := <-events:
			if !ok || resp.Err() != nil {
				return ctx.Err() != nil
			}
			st.apply(resp)
			feed.Send(sorted(st.insts))
		case <-resync:
			if r.wentBack(ctx, service, *st) {
				return false
			}
		}
	}
}

// apply folds one watch response into the view.
func (st *view) apply(resp clientv3.WatchResponse) {
	for _, ev := range resp.Events {
		key := string(ev.Kv.Key)
		if ev.Type == clientv3.EventTypeDelete {
			delete(st.insts, key)
		} else if inst, ok := decode(ev.Kv.Value); ok {
			st.insts[key] = inst
		} else {
			// Overwritten with something that is not an instance: List
			// skips it, and so must the subscription.
			delete(st.insts, key)
		}
	}
	st.rev = resp.Header.Revision
	st.term = max(st.term, int64(resp.Header.RaftTerm))
}

// wentBack asks etcd for its current revision and raft term (a count-only,
// serializable read: cheap, and no raft round) and reports whether either
// is lower than what the view saw: etcd was restored from a backup or from
// scratch, and the watch waits for revisions that are not coming. A read
// that fails says nothing.
func (r *Registry) wentBack(ctx context.Context, service string, st view) bool {
	rctx, cancel := r.bounded(ctx)
	defer cancel()
	resp, err := r.cli.Get(rctx, r.serviceKey(service), clientv3.WithPrefix(), clientv3.WithCountOnly(), clientv3.WithSerializable())
	if err != nil {
		return false
	}
	return resp.Header.Revision < st.rev || int64(resp.Header.RaftTerm) < st.term
}

// Close implements registry.Registry: it unregisters what this registry
// registered (revoking the leases), ends subscriptions and, if the registry
// made its client with Dial, closes the client.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	leases := r.leases
	r.leases = nil
	r.mu.Unlock()
	for _, l := range leases {
		r.revoke(l.stop())
	}
	r.cancel()
	r.wg.Wait()
	if r.owned {
		return r.cli.Close()
	}
	return nil
}
