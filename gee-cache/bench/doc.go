// Package bench compares gee-cache's final chapter (day7-proto-buf) with
// the libraries readers would use instead:
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
//     go test -run '^$' -bench . -benchmem ./gee-cache/bench
//
// Sub-benchmarks are named gee, groupcache and golang-lru, as
// `go run ./scripts/gee bench gee-cache` expects. The peers are
// dependencies of this module only; the chapters do not import them.
package bench
