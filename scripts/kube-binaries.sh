#!/usr/bin/env bash
# Builds the real kube-apiserver and etcd that Herald's tests and lab run, the node and
# control-plane daemons of the real cluster, kubectl and the helm CLI, from their Go
# modules; caches them by version so a machine builds them once.
#
#   scripts/kube-binaries.sh          build if missing, then print the bin directory
#   KUBE_VERSION / ETCD_VERSION / HELM_VERSION   override the pinned versions
#   HERALD_CACHE                      cache root (default: ${XDG_CACHE_HOME:-~/.cache}/herald)
#
# Progress goes to stderr; the only thing on stdout is the directory holding
# kube-apiserver, etcd and kubectl, so callers can do: bin=$(scripts/kube-binaries.sh).
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-1.34.4}"   # the Kubernetes minor that client-java 25 targets
ETCD_VERSION="${ETCD_VERSION:-3.6.16}"
HELM_VERSION="${HELM_VERSION:-3.19.0}"   # the helm that docs/operations.md's commands are run with
cache="${HERALD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/herald}"
bin="$cache/kube/v${KUBE_VERSION}-etcd-v${ETCD_VERSION}/bin"

say() { echo "kube-binaries: $*" >&2; }

# The API server and kubectl for every test; the node and control-plane daemons for the
# real cluster (testkit's RealCluster): kubelet, kube-proxy, scheduler, controller-manager.
kube_cmds=(kube-apiserver kubectl kube-controller-manager kube-scheduler kubelet kube-proxy)
cached=1
for cmd in etcd "${kube_cmds[@]}"; do [[ -x "$bin/$cmd" ]] || cached=0; done
helm_built() { [[ -x "$bin/helm" ]] && [[ "$("$bin/helm" version --template '{{.Version}}' 2>/dev/null)" == "v$HELM_VERSION" ]]; }
helm_built || cached=0
if (( cached )); then
  say "cached: ${kube_cmds[*]} v$KUBE_VERSION, etcd v$ETCD_VERSION, helm v$HELM_VERSION in $bin"
  echo "$bin"
  exit 0
fi

command -v go >/dev/null || { say "Go is needed to build kube-apiserver and etcd; install golang (1.24 or newer)"; exit 1; }
mkdir -p "$bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/herald-kube-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
export GOFLAGS="${GOFLAGS:-} -mod=mod" CGO_ENABLED=0
start=$SECONDS

if [[ ! -x "$bin/etcd" ]]; then
  say "building etcd v$ETCD_VERSION (once per machine)"
  mkdir -p "$work/etcd" && cd "$work/etcd"
  go mod init herald.local/etcd-build >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
  go build -trimpath -ldflags='-s -w' -o "$bin/etcd.tmp" go.etcd.io/etcd/server/v3 >&2
  mv "$bin/etcd.tmp" "$bin/etcd"
fi

for cmd in "${kube_cmds[@]}"; do
  [[ -x "$bin/$cmd" ]] && continue
  say "building $cmd v$KUBE_VERSION (once per machine; takes several minutes on 2 cores)"
  if [[ ! -f "$work/kube/go.mod" ]]; then
    mkdir -p "$work/kube" && cd "$work/kube"
    gomod=$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    [[ -f "$gomod" ]] || { say "could not download k8s.io/kubernetes v$KUBE_VERSION"; exit 1; }
    # k8s.io/kubernetes points every staging module at ./staging; the same code is
    # published as k8s.io/<name> v0.<minor>.<patch>, so replace each with that.
    staging_version="v0.${KUBE_VERSION#*.}"
    {
      echo "module herald.local/kube-build"
      echo "go 1.24"
      echo "require k8s.io/kubernetes v$KUBE_VERSION"
      grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$gomod" \
        | awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
    } > go.mod
  fi
  cd "$work/kube"
  go get "k8s.io/kubernetes/cmd/$cmd@v$KUBE_VERSION" >&2
  go build -trimpath -ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${KUBE_VERSION#*.} -X k8s.io/client-go/pkg/version.gitVersion=v$KUBE_VERSION" \
    -o "$bin/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd" >&2
  mv "$bin/$cmd.tmp" "$bin/$cmd"
done

if ! helm_built; then
  say "building helm v$HELM_VERSION (once per machine; about 2 minutes)"
  GOBIN="$work/helm-bin" go install -trimpath \
    -ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION" >&2
  mv "$work/helm-bin/helm" "$bin/helm"
fi

say "built in $((SECONDS - start)) s: $("$bin/kube-apiserver" --version 2>/dev/null), etcd $("$bin/etcd" --version 2>/dev/null | head -1)"
echo "$bin"
