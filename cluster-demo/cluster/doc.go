// Package cluster decides what a client does with a call beyond "pick one
// node": the cluster strategies (集群策略) of Dubbo-style frameworks, built
// as gRPC unary client interceptors on top of the balancers of package
// balancer and the route filters of package route.
//
//   - FailFast: one attempt; the first failure is the answer.
//   - Failover: on a failure that is safe to retry, try again on a node not
//     tried yet (route.WithExclude), with bounded attempts and backoff.
//   - Broadcast and Multicast: switched on per call through the context,
//     send the call to every instance of the service in the registry (or
//     every instance of one group) concurrently, over connections cached per
//     address, and hand back all replies, the first success, or none.
//
// Install them with grpc.WithChainUnaryInterceptor when dialing:
//
//	fo, _ := cluster.NewFailover(cluster.WithIdempotent(userpb.UserService_GetByID_FullMethodName))
//	bc, _ := cluster.NewBroadcaster(reg, "user")
//	defer bc.Close()
//	cc, _ := client.Dial(ctx, reg, "user", balancer.RoundRobin,
//		grpc.WithChainUnaryInterceptor(bc.UnaryClientInterceptor(), fo.UnaryClientInterceptor()))
package cluster
