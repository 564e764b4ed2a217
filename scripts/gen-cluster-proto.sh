#!/bin/sh
# Regenerates cluster-demo/userpb from user.proto.
#
# Needs protoc (Debian: apt-get install -y protobuf-compiler) and installs the
# Go plugins at pinned versions from the Go module proxy into a temp GOBIN.
# Run from anywhere inside the repository: sh scripts/gen-cluster-proto.sh
set -eu

PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2

root=$(cd "$(dirname "$0")/.." && pwd)
command -v protoc >/dev/null 2>&1 || {
	echo "gen-cluster-proto: protoc not found; apt-get install -y protobuf-compiler" >&2
	exit 1
}

bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
GOWORK=off GOBIN="$bin" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION"
GOWORK=off GOBIN="$bin" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"

cd "$root/cluster-demo/userpb"
PATH="$bin:$PATH" protoc -I . \
	--go_out=. --go_opt=paths=source_relative \
	--go-grpc_out=. --go-grpc_opt=paths=source_relative \
	user.proto
echo "gen-cluster-proto: regenerated cluster-demo/userpb ($(protoc --version))"
