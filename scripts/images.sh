#!/usr/bin/env bash
# Builds Herald's container images with no Docker engine and no registry, from the
# top-level Dockerfile and Debian packages: mmdebstrap makes the base the Dockerfile's
# first stage names, umoci adds each target's files and config, skopeo writes an image
# archive that `ctr images import` (and `docker load`) take.
#
#   scripts/images.sh [OUT]     default OUT: target/images under the project
#
# Needs the jars first (mvn -B package -DskipTests). Writes, in OUT:
#   herald-controller.tar   herald/controller:TAG   the Dockerfile's target "controller"
#   herald-speaker.tar      herald/speaker:TAG      target "speaker"
#   test-backend.tar        herald.local/backend:1  answers HTTP on :8080 with its pod and node name
#   test-pause.tar          herald.local/pause:1    Kubernetes' own pause.c, the pod sandbox
# TAG is the chart's appVersion. The base rootfs is cached by the Dockerfile's package
# list under HERALD_CACHE (default ~/.cache/herald), so only the first run pays for it;
# OUT is kept as it is while the Dockerfile, this script and every file the images copy
# are unchanged (the jars are reproducible: the same sources give the same bytes).
# Progress goes to stderr; stdout is OUT.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=$(realpath -m "${1:-$root/target/images}")
cache="${HERALD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/herald}/images"
dockerfile="$root/Dockerfile"
say() { echo "images: $*" >&2; }
die() { say "$*"; exit 1; }

for cmd in mmdebstrap umoci skopeo gcc go; do
  command -v "$cmd" >/dev/null || die "$cmd is missing; scripts/setup.sh installs it"
done
tag=$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$root/charts/herald/Chart.yaml")
[[ -n $tag ]] || die "no appVersion in charts/herald/Chart.yaml"

# The Dockerfile as "stage<TAB>INSTRUCTION<TAB>arguments", continuation lines joined.
parsed=$(awk '
  /^[[:space:]]*#/ || /^[[:space:]]*$/ { next }
  { line = line $0 }
  /\\$/ { sub(/\\$/, "", line); next }
  { n = split(line, w, /[[:space:]]+/); ins = toupper(w[1]); args = line; sub(/^[^[:space:]]+[[:space:]]+/, "", args)
    if (ins == "FROM") { stage = w[n] }
    print stage "\t" ins "\t" args; line = "" }' "$dockerfile")
base_stage=$(awk -F'\t' 'NR == 1 { print $1 }' <<<"$parsed")
from=$(awk -F'\t' 'NR == 1 { print $3 }' <<<"$parsed")
[[ $from =~ ^debian:([a-z]+)-slim\ AS\ $base_stage$ ]] || die "$dockerfile: the first stage must be FROM debian:<suite>-slim AS <name>, not: $from"
suite=${BASH_REMATCH[1]}
packages=$(awk -F'\t' -v s="$base_stage" '$1 == s && $2 == "RUN" {
    n = split($3, w, /[[:space:]]+/); on = 0
    for (i = 1; i <= n; i++) { if (w[i] == "&&") on = 0; else if (on && w[i] !~ /^-/) print w[i]; if (w[i] == "install") on = 1 } }' <<<"$parsed" | sort -u | paste -sd, -)
[[ -n $packages ]] || die "$dockerfile: stage $base_stage installs no packages with apt-get install"

# Everything the images are made of: the definition, this script, and what COPY takes.
copied=$(awk -F'\t' '$2 == "COPY" { split($3, w, /[[:space:]]+/); print w[1] }' <<<"$parsed" | sort -u)
for src in $copied; do
  [[ -e $root/$src ]] || die "$dockerfile copies $src, which is not built; run mvn -B package -DskipTests"
done
key=$( { sha256sum "$dockerfile" "${BASH_SOURCE[0]}"; (cd "$root" && find $copied -type f -print0 | sort -z | xargs -0 sha256sum);
         echo "$tag ${KUBE_VERSION:-1.34.4}"; } | sha256sum | cut -c1-16)
archives=(herald-controller.tar herald-speaker.tar test-backend.tar test-pause.tar)
if [[ $(cat "$out/.key" 2>/dev/null) == "$key" ]] && (cd "$out" && ls "${archives[@]}" >/dev/null 2>&1); then
  say "cached: images $key in $out (the Dockerfile, this script and the jars are unchanged)"
  echo "$out"
  exit 0
fi
rm -f "$out/.key"

mkdir -p "$cache" "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/herald-images.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS

# The base, once per package list: an OCI layout holding one layer.
base_key=$(printf '%s %s' "$suite" "$packages" | sha256sum | cut -c1-16)
base="$cache/base-$base_key"
if [[ ! -d $base ]]; then
  say "building the $suite base with $packages (once per machine, about a minute)"
  # The machine's own apt sources, so the image gets the packages this host would.
  sources=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 || true)
  [[ -n $sources ]] || sources=/etc/apt/sources.list
  mmdebstrap --quiet --variant=minbase --include="$packages" \
    --customize-hook='rm -rf "$1"/usr/share/man/* "$1"/usr/share/doc/* "$1"/usr/share/locale/* "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/* "$1"/var/log/*' \
    "$suite" "$work/rootfs" "$sources" >&2
  umoci init --layout "$work/base"
  umoci new --image "$work/base:base"
  umoci insert --image "$work/base:base" "$work/rootfs" /
  rm -rf "$work/rootfs"
  mv "$work/base" "$base"
fi

# ["a", "b"] -> one --config.entrypoint per word
json_words() { sed -e 's/^\[//' -e 's/\]$//' <<<"$1" | tr ',' '\n' | sed -e 's/^ *"//' -e 's/" *$//'; }

build_target() {
  local target=$1 ref=$2 archive=$3 layout="$work/$1"
  cp -a "$base" "$layout"
  umoci tag --image "$layout:base" "$target"
  # FROM debian:... inherits the environment Debian's images set.
  local args=(--config.env "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin") ins rest
  while IFS=$'\t' read -r _ ins rest; do
    case $ins in
      FROM) ;;
      COPY)
        read -r src dst <<<"$rest"
        [[ -e $root/$src ]] || die "$dockerfile: target $target copies $src, which is not built; run mvn -B package -DskipTests"
        umoci insert --image "$layout:$target" "$root/${src%/}" "${dst%/}" ;;
      USER) args+=(--config.user "$rest") ;;
      EXPOSE) args+=(--config.exposedports "$rest/tcp") ;;
      ENV) args+=(--config.env "${rest/ /=}") ;;
      ENTRYPOINT) while read -r w; do args+=(--config.entrypoint "$w"); done < <(json_words "$rest") ;;
      *) die "$dockerfile: target $target uses $ins, which scripts/images.sh does not know" ;;
    esac
  done < <(awk -F'\t' -v s="$target" '$1 == s' <<<"$parsed")
  umoci config --image "$layout:$target" --config.workingdir / "${args[@]}"
  umoci gc --layout "$layout"
  rm -f "$archive"
  skopeo copy --quiet "oci:$layout:$target" "docker-archive:$archive:$ref" >&2
  # The OCI layout holds gzipped layers (what a registry would store and a node pull); the
  # docker-archive holds them uncompressed, about what the image takes unpacked on a node.
  say "$ref: $(du -sm "$layout" | cut -f1) MiB compressed, $(du -m "$archive" | cut -f1) MiB unpacked ($archive)"
}

for target in controller speaker; do
  build_target "$target" "herald/$target:$tag" "$out/herald-$target.tar"
done

# Test-only images. The pod sandbox: Kubernetes' pause.c from its Go module, static.
kube_version=${KUBE_VERSION:-1.34.4}
pause_c=$(go env GOMODCACHE)/k8s.io/kubernetes@v$kube_version/build/pause/linux/pause.c
[[ -f $pause_c ]] || { (cd "$work" && go mod download "k8s.io/kubernetes@v$kube_version") >&2; }
mkdir -p "$work/pause/bin"
gcc -Os -static -DVERSION=herald-test -o "$work/pause/bin/pause" "$pause_c"
strip "$work/pause/bin/pause"
umoci init --layout "$work/pause-oci"
umoci new --image "$work/pause-oci:pause"
umoci insert --image "$work/pause-oci:pause" "$work/pause/bin" /bin
umoci config --image "$work/pause-oci:pause" --config.entrypoint /bin/pause --config.user 65535:65535
rm -f "$out/test-pause.tar"
skopeo copy --quiet "oci:$work/pause-oci:pause" "docker-archive:$out/test-pause.tar:herald.local/pause:1" >&2

# A backend for test workloads: busybox's httpd and sh (its wget crashes in pods here),
# from Debian's busybox-static, which scripts/setup.sh installs.
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' \
  || die "busybox-static is missing; scripts/setup.sh installs it"
mkdir -p "$work/backend/bin"
cp /bin/busybox "$work/backend/bin/busybox"
for applet in sh httpd cat echo hostname sleep nc ls mkdir; do ln -s busybox "$work/backend/bin/$applet"; done
# Answers every GET with "pod POD on node NODE" (the pod's env from the downward API).
cat >"$work/backend/bin/serve" <<'SERVE'
#!/bin/sh
mkdir -p /tmp/www
echo "pod ${POD_NAME:-$(hostname)} on node ${NODE_NAME:-unknown}" >/tmp/www/index.html
exec httpd -f -p "${PORT:-8080}" -h /tmp/www
SERVE
chmod 755 "$work/backend/bin/serve"
umoci init --layout "$work/backend-oci"
umoci new --image "$work/backend-oci:backend"
mkdir -p "$work/backend/tmp"
chmod 1777 "$work/backend/tmp"   # where serve writes its page; pods get no /tmp volume
umoci insert --image "$work/backend-oci:backend" "$work/backend" /
umoci config --image "$work/backend-oci:backend" --config.env PATH=/bin --config.entrypoint /bin/serve --config.user 65534:65534 \
  --config.exposedports 8080/tcp
rm -f "$out/test-backend.tar"
skopeo copy --quiet "oci:$work/backend-oci:backend" "docker-archive:$out/test-backend.tar:herald.local/backend:1" >&2

echo "$key" >"$out/.key"
say "built in $((SECONDS - started)) s"
echo "$out"
