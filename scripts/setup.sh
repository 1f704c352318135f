#!/usr/bin/env bash
# Installs what Herald's build, tests and lab need on a Debian machine, then builds
# (once) the Kubernetes binaries. Safe to run again: it only adds what is missing.
# Prints the directory holding kube-apiserver, etcd and kubectl on stdout.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say() { echo "setup: $*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to run: $*"; exit 1; fi
}

# Debian packages: libpcap for the speaker's raw sockets, iproute2 for the lab's
# network namespaces, ping for the client that resolves VIPs in the speaker's
# network-namespace tests, procps for ps/pkill, curl for the demo's health checks and
# the lab's requests, socat for the lab's path from node namespaces to the API server;
# for the container images built without a daemon (scripts/images.sh) and run as a
# kubelet's runtime runs them: mmdebstrap, umoci, skopeo, runc, gcc (the pod sandbox's
# pause), busybox-static (the test backend); for the real cluster's nodes (testkit's
# RealCluster): containerd, the CNI plugins, iptables and conntrack for kube-proxy,
# util-linux for nsenter.
packages=(libpcap0.8 iproute2 iputils-ping procps curl ca-certificates socat
  mmdebstrap umoci skopeo runc gcc libc6-dev busybox-static
  containerd containernetworking-plugins iptables conntrack util-linux)
command -v java >/dev/null || packages+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || packages+=(maven)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if (( ${#missing[@]} )); then
  say "installing Debian packages: ${missing[*]}"
  log=$(mktemp)
  if ! { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2; say "apt-get failed (above)"; exit 1
  fi
  rm -f "$log"
else
  say "Debian packages present: ${packages[*]}"
fi

java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')
if (( java_major < 17 )); then
  say "Java $java_major found; Herald needs Java 17 or newer (apt-get install openjdk-17-jdk-headless)"
  exit 1
fi

exec "$root/scripts/kube-binaries.sh"
