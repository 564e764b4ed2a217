// Package bench compares gee-cache's last two chapters with the libraries
// readers would use instead:
//
//   - BenchmarkGroupGetHit: Group.Get of a cached key, against
//     github.com/golang/groupcache's Group.Get (into a ByteViewSink, which
//     like our ByteView does not copy).
//
//   - BenchmarkRingGet/peers=N: the consistent-hash ring's Get with 8, 32
//     and 128 peers of 50 virtual nodes each, against groupcache's
//     consistenthash.
//
//   - BenchmarkLRU: a Get, and an Add on a miss, over a key space four times
//     larger than the cache, against github.com/hashicorp/golang-lru/v2.
//
//     go test -run '^$' -bench . -benchmem ./gee-cache/bench/...
//
// Sub-benchmarks are named gee (day8-performance), gee-day7
// (day7-proto-buf), groupcache and golang-lru, as `go run ./scripts/gee
// bench gee-cache` expects. day7 runs from the package bench/day7, a test
// binary of its own: both chapters register a file geecachepb.proto with
// the protobuf runtime, which panics at init when one binary holds two.
// Every implementation runs the same bodies, from bench/internal/cases.
// The peers are dependencies of this module only; the chapters do not
// import them.
package bench
