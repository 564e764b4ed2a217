#!/usr/bin/env bash
# Regenerates geecachepb.pb.go from geecachepb.proto in gee-cache/day7-proto-buf
# and gee-cache/day8-performance (each .proto names its own go_package).
# Needs protoc (Debian: apt-get install protobuf-compiler); protoc-gen-go is
# run from the Go module proxy at the version the chapter module uses.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
for chapter in day7-proto-buf day8-performance; do
	dir=$root/gee-cache/$chapter
	version=$(cd "$dir" && GOWORK=off go list -m -f '{{.Version}}' google.golang.org/protobuf)
	(cd "$dir" && GOWORK=off GOBIN=$bin go install "google.golang.org/protobuf/cmd/protoc-gen-go@$version")
	(cd "$dir/geecache/geecachepb" &&
		PATH=$bin:$PATH protoc --go_out=. --go_opt=paths=source_relative geecachepb.proto)
	echo "generated $dir/geecache/geecachepb/geecachepb.pb.go (protoc $(protoc --version | cut -d' ' -f2), protoc-gen-go $version)"
done
