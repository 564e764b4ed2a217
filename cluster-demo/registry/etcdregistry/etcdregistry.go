// Package etcdregistry is a registry.Registry stored in etcd.
//
// Each instance is a key <prefix><service>/<addr> holding the instance as
// JSON, attached to a lease that the registry keeps alive while the
// instance is registered. A server that crashes stops the keep-alives, the
// lease expires after the TTL and the key disappears, so clients stop
// calling a dead address without anyone unregistering it. A live server
// whose lease was lost anyway (etcd out of reach for longer than the TTL)
// puts its key back under a new lease as soon as it can. Subscribe reads
// the prefix once and then follows a prefix watch from the next revision.
package etcdregistry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"cluster-demo/registry"
)

// Defaults for Options.
const (
	DefaultPrefix = "/cluster-demo/services/"
	DefaultTTL    = 10 * time.Second
)

// closeTimeout bounds the lease revocations Close does.
const closeTimeout = 5 * time.Second

// Registry stores instances in etcd. It is safe for concurrent use.
type Registry struct {
	cli    *clientv3.Client
	owned  bool // Close closes cli
	prefix string
	ttl    time.Duration

	mu     sync.Mutex
	closed bool
	leases map[string]*lease // key -> lease of an instance registered here
	ctx    context.Context   // ends watches and keep-alives on Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type lease struct {
	id     clientv3.LeaseID   // guarded by Registry.mu: keepRegistered renews it
	cancel context.CancelFunc // stops the keep-alive
}

// Option configures a Registry.
type Option func(*Registry)

// WithPrefix sets the key prefix (default DefaultPrefix); it should end in "/".
func WithPrefix(p string) Option { return func(r *Registry) { r.prefix = p } }

// WithTTL sets the lease TTL (default DefaultTTL, at least one second): how
// long a crashed server stays listed.
func WithTTL(ttl time.Duration) Option { return func(r *Registry) { r.ttl = ttl } }

// New returns a registry using cli; Close does not close cli.
func New(cli *clientv3.Client, opts ...Option) *Registry {
	r := &Registry{cli: cli, prefix: DefaultPrefix, ttl: DefaultTTL, leases: make(map[string]*lease)}
	for _, opt := range opts {
		opt(r)
	}
	if r.ttl < time.Second {
		r.ttl = time.Second
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r
}

// Dial connects to etcd at endpoints and returns a registry that closes the
// client on Close.
func Dial(endpoints []string, opts ...Option) (*Registry, error) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second})
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
	id, err := r.put(ctx, key, string(val))
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
		r.keepRegistered(kaCtx, l, key, string(val), alive)
	}()
	if old != nil { // re-registration replaced the key; drop the old lease
		old.cancel()
		r.revoke(r.leaseID(old))
	}
	return nil
}

// put writes key under a fresh lease and returns the lease.
func (r *Registry) put(ctx context.Context, key, val string) (clientv3.LeaseID, error) {
	grant, err := r.cli.Grant(ctx, int64(r.ttl/time.Second))
	if err != nil {
		return 0, fmt.Errorf("etcdregistry: grant lease: %w", err)
	}
	if _, err := r.cli.Put(ctx, key, val, clientv3.WithLease(grant.ID)); err != nil {
		r.revoke(grant.ID)
		return 0, fmt.Errorf("etcdregistry: put %s: %w", key, err)
	}
	return grant.ID, nil
}

// keepRegistered reads the keep-alive responses (the client sends
// keep-alives as long as someone reads) until ctx ends with Unregister or
// Close. If the lease is lost while the instance is still registered here
// (etcd unreachable for longer than the TTL, or the lease revoked by
// someone else), the key is gone although the server lives: it puts the key
// again under a new lease, retrying with a capped backoff.
func (r *Registry) keepRegistered(ctx context.Context, l *lease, key, val string, alive <-chan *clientv3.LeaseKeepAliveResponse) {
	wait := 100 * time.Millisecond
	for {
		if alive != nil {
			for range alive {
			}
		}
		if ctx.Err() != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, r.ttl)
		id, err := r.put(ctx, key, val)
		if err != nil {
			alive = nil
			continue
		}
		r.mu.Lock()
		if ctx.Err() != nil { // unregistered meanwhile: take the key back out
			r.mu.Unlock()
			r.revoke(id)
			return
		}
		l.id = id
		r.mu.Unlock()
		if alive, err = r.cli.KeepAlive(ctx, id); err != nil {
			alive = nil
			continue
		}
		wait = 100 * time.Millisecond
	}
}

// leaseID reads l.id, which keepRegistered may change.
func (r *Registry) leaseID(l *lease) clientv3.LeaseID {
	r.mu.Lock()
	defer r.mu.Unlock()
	return l.id
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
	if l != nil {
		l.cancel()
	}
	// Delete even if another process registered it: unregistering names the
	// instance, not the lease.
	if _, err := r.cli.Delete(ctx, key); err != nil {
		return fmt.Errorf("etcdregistry: delete %s: %w", key, err)
	}
	if l != nil {
		r.revoke(r.leaseID(l))
	}
	return nil
}

// List implements registry.Registry. Values that are not instances (written
// by something else under the prefix) are skipped.
func (r *Registry) List(ctx context.Context, service string) ([]registry.ServiceInstance, error) {
	if r.isClosed() {
		return nil, registry.ErrClosed
	}
	insts, _, err := r.get(ctx, service)
	if err != nil {
		return nil, err
	}
	return sorted(insts), nil
}

func (r *Registry) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// get reads the service's instances by key, with the store revision.
func (r *Registry) get(ctx context.Context, service string) (map[string]registry.ServiceInstance, int64, error) {
	resp, err := r.cli.Get(ctx, r.serviceKey(service), clientv3.WithPrefix())
	if err != nil {
		return nil, 0, fmt.Errorf("etcdregistry: list %q: %w", service, err)
	}
	insts := make(map[string]registry.ServiceInstance, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		if inst, ok := decode(kv.Value); ok {
			insts[string(kv.Key)] = inst
		}
	}
	return insts, resp.Header.Revision, nil
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

// Subscribe implements registry.Registry.
func (r *Registry) Subscribe(ctx context.Context, service string) (<-chan []registry.ServiceInstance, error) {
	if service == "" {
		return nil, errors.New("etcdregistry: subscribe needs a service name")
	}
	if r.isClosed() {
		return nil, registry.ErrClosed
	}
	insts, rev, err := r.get(ctx, service)
	if err != nil {
		return nil, err
	}
	feed := registry.NewFeed()
	feed.Send(sorted(insts))
	// The watch ends with ctx or with Close, whichever comes first.
	wctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(r.ctx, cancel)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer feed.Close()
		defer stop()
		defer cancel()
		r.watch(wctx, service, insts, rev, feed)
	}()
	return feed.C(), nil
}

// watch applies watch events to insts from revision rev+1 on and sends the
// list after each batch. If etcd compacted the revision away it reads the
// prefix again and resumes from there.
func (r *Registry) watch(ctx context.Context, service string, insts map[string]registry.ServiceInstance, rev int64, feed *registry.Feed) {
	for ctx.Err() == nil {
		wch := r.cli.Watch(clientv3.WithRequireLeader(ctx), r.serviceKey(service), clientv3.WithPrefix(), clientv3.WithRev(rev+1))
		for resp := range wch {
			if err := resp.Err(); err != nil {
				break // re-read below
			}
			for _, ev := range resp.Events {
				key := string(ev.Kv.Key)
				if ev.Type == clientv3.EventTypeDelete {
					delete(insts, key)
				} else if inst, ok := decode(ev.Kv.Value); ok {
					insts[key] = inst
				} else {
					// Overwritten with something that is not an instance:
					// List skips it, and so must the subscription.
					delete(insts, key)
				}
			}
			rev = resp.Header.Revision
			feed.Send(sorted(insts))
		}
		if ctx.Err() != nil {
			return
		}
		// The watch broke (compaction, lost leader): start over from a
		// fresh read, after a pause so a dead cluster is not hammered.
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
		fresh, freshRev, err := r.get(ctx, service)
		if err != nil {
			continue
		}
		insts, rev = fresh, freshRev
		feed.Send(sorted(insts))
	}
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
		l.cancel()
		r.revoke(r.leaseID(l))
	}
	r.cancel()
	r.wg.Wait()
	if r.owned {
		return r.cli.Close()
	}
	return nil
}
