// Package userpb holds the demo service of cluster-demo, generated from
// user.proto by scripts/gen-cluster-proto.sh. Every reply carries the name of
// the node that produced it, so tests and demos can see where a call went.
package userpb
