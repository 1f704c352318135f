#!/usr/bin/env bash
# Herald's main job, on this one machine. Sets up what it needs, starts a real
# kube-apiserver + etcd and Herald's controller, creates a LoadBalancer Service,
# shows what Herald does with it, and cleans everything up on exit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$("$root/scripts/setup.sh")
export PATH="$bin:$PATH" HERALD_KUBE_BIN="$bin"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Building Herald (Maven, tests skipped here; scripts/test.sh runs them)"
(cd "$root" && mvn -B -q -ntp package -DskipTests -Dherald.kube.bin="$bin")

work=$(mktemp -d "${TMPDIR:-/tmp}/herald-demo.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
  local patience=$1 what=$2; shift 2
  for ((i = 0; i < patience * 10; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "demo: gave up waiting for $what" >&2; return 1
}

step "Starting a real Kubernetes API server (kube-apiserver + etcd, no nodes)"
java -jar "$root/testkit/target/herald-testkit.jar" --kubeconfig-out "$work/kubeconfig" >"$work/cluster.log" 2>&1 &
pids+=($!)
wait_for 120 "the API server" test -s "$work/kubeconfig" || { cat "$work/cluster.log"; exit 1; }
cat "$work/cluster.log"
export KUBECONFIG="$work/kubeconfig"

step "Starting Herald's controller"
java -jar "$root/controller/target/herald-controller.jar" --kubeconfig "$KUBECONFIG" \
  --listen-address 127.0.0.1:0 >"$work/controller.log" 2>&1 &
pids+=($!)
wait_for 60 "the controller's port" grep -q 'serving /healthz' "$work/controller.log" || { cat "$work/controller.log"; exit 1; }
port=$(sed -n 's/.*serving \/healthz, \/readyz and \/metrics on .*:\([0-9]*\)$/\1/p' "$work/controller.log" | head -1)
wait_for 60 "the controller to be ready" curl -fsS "http://127.0.0.1:$port/readyz"
echo "The controller is connected and ready; its /readyz says:"
curl -sS "http://127.0.0.1:$port/readyz" | sed 's/^/    /'
echo "Its log so far:"
sed 's/^/    /' "$work/controller.log"

step "Creating a Service of type LoadBalancer"
kubectl create namespace demo >/dev/null
kubectl -n demo create service loadbalancer web --tcp=80:8080
sleep 2
kubectl -n demo get service web
echo
echo "EXTERNAL-IP stays <pending> for now: address pools and allocation arrive with the"
echo "controller issue, ARP/NDP announcing with the speaker issue, failover with the lab."
echo "A few of the controller's metrics (Prometheus format, from /metrics):"
curl -sS "http://127.0.0.1:$port/metrics" | grep -E '^(herald_build_info|jvm_memory_used_bytes\{area="heap"\}|process_open_fds)' | sed 's/^/    /'

step "Stopping (SIGTERM) and cleaning up"
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true
tail -2 "$work/controller.log" | sed 's/^/    /'
echo "Done."
