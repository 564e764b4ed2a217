// Package geecachepb holds the protobuf messages exchanged between
// geecache peers, generated from geecachepb.proto by
// scripts/gen-cache-proto.sh.
package geecachepb
