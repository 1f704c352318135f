#!/usr/bin/env bash
# Herald's main job, on this one machine: a real kube-apiserver + etcd, three simulated
# nodes and a client on a virtual LAN (network namespaces and a bridge), Herald's
# controller and a speaker per node as real processes. A Service gets a VIP, the client
# reaches it, a node dies, the client still reaches it. Needs root (network namespaces).
# Sets up what it needs; cleans everything up on exit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$("$root/scripts/setup.sh")
export PATH="$bin:$PATH" HERALD_KUBE_BIN="$bin"

printf '\n\033[1m== %s\033[0m\n' "Building Herald (Maven; scripts/test.sh runs the tests)"
cd "$root"
mvn -B -q -ntp install -DskipTests -Dherald.kube.bin="$bin"
mvn -B -q -ntp test-compile dependency:build-classpath -pl e2e -Dmdep.includeScope=test \
  -Dmdep.outputFile="$root/e2e/target/demo-classpath.txt"

printf '\n\033[1m== %s\033[0m\n' "Checking the address-pool ConfigMap offline first, as you would in CI"
java -jar controller/target/herald-controller.jar validate-config config-samples/ipv4-range.yaml | sed 's/^/   /'

cd "$root/e2e"
exec java -Dherald.kube.bin="$bin" \
  -cp "target/test-classes:target/classes:$(cat target/demo-classpath.txt)" \
  io.herald.e2e.lab.LabDemo "$root/config-samples/ipv4-range.yaml"
