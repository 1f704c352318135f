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

step "Checking the address-pool ConfigMap offline, then applying it"
sample="$root/config-samples/ipv4-range.yaml"
java -jar "$root/controller/target/herald-controller.jar" validate-config "$sample" | sed 's/^/    /'
kubectl create namespace herald-system >/dev/null
kubectl apply -f "$sample"

step "Starting Herald's controller"
java -jar "$root/controller/target/herald-controller.jar" --kubeconfig "$KUBECONFIG" \
  --namespace herald-system --identity demo-controller --listen-address 127.0.0.1:0 >"$work/controller.log" 2>&1 &
pids+=($!)
wait_for 60 "the controller's port" grep -q 'serving /healthz' "$work/controller.log" || { cat "$work/controller.log"; exit 1; }
port=$(sed -n 's/.*serving \/healthz, \/readyz and \/metrics on .*:\([0-9]*\)$/\1/p' "$work/controller.log" | head -1)
wait_for 60 "the controller to be ready" curl -fsS "http://127.0.0.1:$port/readyz"
wait_for 60 "the controller to lead" grep -q 'became leader' "$work/controller.log"
sed 's/^/    /' "$work/controller.log"

step "Creating a Service of type LoadBalancer: Herald gives it a virtual IP"
kubectl create namespace demo >/dev/null
kubectl -n demo create service loadbalancer web --tcp=80:8080
ip_of() { kubectl -n demo get service "$1" -o jsonpath='{.status.loadBalancer.ingress[0].ip}'; }
wait_for 30 "web to get an IP" bash -c "[ -n \"\$(kubectl -n demo get service web -o jsonpath='{.status.loadBalancer.ingress[0].ip}')\" ]"
kubectl -n demo get service web
echo "The Event Herald wrote on the Service:"
kubectl -n demo get events --field-selector involvedObject.name=web -o custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message | sed 's/^/    /'

step "A second Service asks for an address outside every pool: it stays pending, and says why"
kubectl -n demo create service loadbalancer wrong --tcp=80:8080 --dry-run=client -o yaml \
  | sed 's/^spec:/spec:\n  loadBalancerIP: 192.0.2.7/' | kubectl apply -f - >/dev/null
wait_for 30 "the AllocationFailed Event" bash -c "kubectl -n demo get events --field-selector involvedObject.name=wrong,reason=AllocationFailed -o name | grep -q ."
kubectl -n demo get service wrong
kubectl -n demo get events --field-selector involvedObject.name=wrong -o custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message | sed 's/^/    /'

step "Restarting the controller: every address stays where it is"
before=$(ip_of web)
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true
java -jar "$root/controller/target/herald-controller.jar" --kubeconfig "$KUBECONFIG" \
  --namespace herald-system --identity demo-controller-2 --listen-address 127.0.0.1:0 >"$work/controller2.log" 2>&1 &
pids[1]=$!
wait_for 60 "the new controller to take back the addresses" grep -q 'kept the addresses' "$work/controller2.log"
grep -E 'became leader|kept the addresses' "$work/controller2.log" | sed 's/^/    /'
echo "web had $before before the restart and has $(ip_of web) after it."
echo "A few of the controller's metrics (Prometheus format, from /metrics):"
port=$(sed -n 's/.*serving \/healthz, \/readyz and \/metrics on .*:\([0-9]*\)$/\1/p' "$work/controller2.log" | head -1)
curl -sS "http://127.0.0.1:$port/metrics" | grep -E '^herald_(address_pool|config_loaded|allocation)' | sed 's/^/    /'
echo
echo "Next: the speakers announce these VIPs on the LAN (ARP / NDP) and move them when a"
echo "node dies; the lab demo with simulated nodes and a real client is on its way."

step "Stopping (SIGTERM) and cleaning up"
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true
tail -2 "$work/controller2.log" | sed 's/^/    /'
echo "Done."
