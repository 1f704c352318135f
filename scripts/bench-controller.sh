#!/usr/bin/env bash
# Prints how the controller copes with many Services against the real API server:
# time until all have IPs, create→status latency p50/p99, controller peak RSS, and
# how long a restarted controller takes to re-claim every address (with zero changes).
#   scripts/bench-controller.sh              sizes 1000, 5000, 10000
#   scripts/bench-controller.sh 1000,2000    other sizes
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$("$root/scripts/setup.sh")
cd "$root"
mvn -B -q -ntp install -DskipTests -Dherald.kube.bin="$bin"
mvn -B -ntp test -pl e2e -Dherald.kube.bin="$bin" -Dherald.excludedGroups= -Dgroups=benchmark -Dtest='*Benchmark' \
  -Dherald.bench.sizes="${1:-1000,5000,10000}" | grep -E '^\|' || { echo "benchmark failed; rerun without the filter to see why" >&2; exit 1; }
