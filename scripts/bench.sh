#!/usr/bin/env bash
# Herald's benchmarks: they print figures and never pass or fail on time.
#   scripts/bench.sh controller [SIZES]   allocation at scale (default 1000,5000,10000 Services):
#                                         time to all IPs, create→status p50/p99, controller RSS,
#                                         restart with zero changes
#   scripts/bench.sh failover [TRIALS]    the lab (needs root): the client's gap without an answer on a
#                                         graceful stop and a hard node loss (p50/p95/max, default 20
#                                         trials each), speakers' API writes with 10 and 1,000 Services,
#                                         speaker RSS
#   scripts/bench.sh decide               one full ownership decision in-process at 3×1,000 to 500×10,000
#                                         (nodes × VIPs): best and median of 5, cost per (node, VIP) score
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
case "${1:-}" in
  controller) test=ControllerBenchmark; props=(-Dherald.bench.sizes="${2:-1000,5000,10000}") ;;
  failover) test=FailoverBenchmark; props=(-Dherald.bench.trials="${2:-20}") ;;
  decide) test=DecideBenchmark; props=() ;;
  *) echo "usage: scripts/bench.sh controller [SIZES] | failover [TRIALS] | decide" >&2; exit 2 ;;
esac
bin=$("$root/scripts/setup.sh")
cd "$root"
mvn -B -q -ntp install -DskipTests -Dherald.kube.bin="$bin"
mvn -B -ntp test -pl e2e -Dherald.kube.bin="$bin" -Dherald.excludedGroups= -Dgroups=benchmark -Dtest="$test" "${props[@]}" \
  | grep -E '^(\||Lease renew)' || { echo "benchmark failed; rerun without the filter to see why" >&2; exit 1; }
