#!/usr/bin/env bash
# Regenerates gee-cache/day7-proto-buf/geecache/geecachepb/geecachepb.pb.go
# from geecachepb.proto. Needs protoc (Debian: apt-get install protobuf-compiler);
# protoc-gen-go is run from the Go module proxy at the version the module uses.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/gee-cache/day7-proto-buf
version=$(cd "$dir" && GOWORK=off go list -m -f '{{.Version}}' google.golang.org/protobuf)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
(cd "$dir" && GOWORK=off GOBIN=$bin go install "google.golang.org/protobuf/cmd/protoc-gen-go@$version")
cd "$dir/geecache/geecachepb"
PATH=$bin:$PATH protoc --go_out=. --go_opt=paths=source_relative geecachepb.proto
echo "generated $dir/geecache/geecachepb/geecachepb.pb.go (protoc $(protoc --version | cut -d' ' -f2), protoc-gen-go $version)"
