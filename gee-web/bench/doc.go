// Package bench compares the router of gee-web's final chapter,
// day8-performance, with day7-panic-recover (the plain chapter it was made
// from), gin, httprouter, echo and the standard library's http.ServeMux
// (Go 1.22 patterns) on the GitHub API route table
// (testdata/github-api-routes.txt, 203 routes). Every implementation
// registers all routes with a handler that does nothing, and each benchmark
// serves requests through the implementation's http.Handler with a response
// writer that discards.
//
//	go test -run '^$' -bench . -benchmem ./gee-web/bench
//
// Sub-benchmarks are named gee (day8), gee-day7, gin, httprouter, echo and
// servemux, as the repository's `go run ./scripts/gee bench gee-web`
// expects. The peers are dependencies of this module only; the chapters use
// the standard library.
package bench
