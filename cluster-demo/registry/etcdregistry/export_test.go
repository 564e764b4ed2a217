package etcdregistry

import (
	"context"

	"cluster-demo/registry"
)

// FollowFrom starts a subscription as if it had read an empty service at
// revision rev and raft term term, so tests can put it where a resumed
// watch would be after etcd's history changed under it.
func FollowFrom(ctx context.Context, r *Registry, service string, rev, term int64) <-chan []registry.ServiceInstance {
	return r.follow(ctx, service, view{insts: map[string]registry.ServiceInstance{}, rev: rev, term: term})
}
