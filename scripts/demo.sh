#!/usr/bin/env bash
# Herald's main job, as a user does it, on this one machine: a real three-node Kubernetes
# cluster (containerd, kubelet and kube-proxy per node, each node a network namespace on
# one LAN), Herald's images loaded into the nodes, `helm install`, a Deployment behind a
# Service of type LoadBalancer, a client on the LAN; then the announcing node loses power
# and the client still reaches the Service. Needs root. Sets up what it needs (packages,
# Kubernetes and helm binaries, images) and removes everything it made on exit.
#
#   scripts/demo.sh        the real cluster with Helm (a few minutes after the one-time builds)
#   scripts/demo.sh lab    the process lab instead: Herald as plain processes, no kubelet (faster)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$("$root/scripts/setup.sh")
export PATH="$bin:$PATH" HERALD_KUBE_BIN="$bin"

printf '\n\033[1m== %s\033[0m\n' "Building Herald and its images (Maven, scripts/images.sh; scripts/test.sh runs the tests)"
cd "$root"
mvn -B -q -ntp install -DskipTests -Dherald.kube.bin="$bin"
mvn -B -q -ntp dependency:build-classpath -pl e2e -Dmdep.includeScope=test \
  -Dmdep.outputFile="$root/e2e/target/demo-classpath.txt"

printf '\n\033[1m== %s\033[0m\n' "Checking the address pool offline first, as you would in CI"
java -jar controller/target/herald-controller.jar validate-config config-samples/ipv4-range.yaml | sed 's/^/   /'

cd "$root/e2e"
main=io.herald.e2e.cluster.ClusterDemo
[[ "${1:-}" == lab ]] && main=io.herald.e2e.lab.LabDemo
exec java -Dherald.kube.bin="$bin" -Dherald.images.dir="$root/e2e/target/images" \
  -cp "target/test-classes:target/classes:$(cat target/demo-classpath.txt)" \
  "$main" "$root/config-samples/ipv4-range.yaml"
