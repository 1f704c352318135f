#!/usr/bin/env bash
# Runs every Herald test: pure logic, the real kube-apiserver + etcd, and the
# controller and speaker as real processes. Sets up what it needs first.
# Extra arguments go to Maven, e.g. scripts/test.sh -pl controller -am
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=$("$root/scripts/setup.sh")
cd "$root"
start=$SECONDS
mvn -B -ntp verify -Dherald.kube.bin="$bin" "$@"
echo "test: every module passed in $((SECONDS - start)) s"
