#!/bin/sh
# Regenerates the load-balancing chart of docs/cluster-demo/load-balancing.md
# from a real run: cmd/balancers sends the calls through every balancer, and
# cmd/lbchart draws the SVG and rewrites the table between the lb-table
# markers of the page. Run from anywhere inside the repository:
#   sh scripts/gen-lb-chart.sh
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
run=$(mktemp)
trap 'rm -f "$run"' EXIT
go run ./cluster-demo/cmd/balancers -json "$@" > "$run"
go run ./cluster-demo/cmd/lbchart -in "$run" \
	-svg docs/cluster-demo/load-balancing-spread.svg \
	-md docs/cluster-demo/load-balancing.md
echo "gen-lb-chart: wrote docs/cluster-demo/load-balancing-spread.svg and the table in docs/cluster-demo/load-balancing.md"
