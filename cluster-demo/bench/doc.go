// Package bench measures a unary call through each cluster-demo balancer
// against grpc-go's own round_robin and pick_first, and a broadcast to three
// servers through the cluster.Broadcaster interceptor against a hand-written
// fan-out. Sub-benchmarks are named for `go run ./scripts/gee bench`: ours
// start with "gee", peers carry their own names.
//
//	go test -run '^$' -bench . -benchmem ./cluster-demo/bench/
package bench
