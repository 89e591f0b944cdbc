#!/bin/sh
# Pull throughput benchmark: husk vs `skopeo copy` to a directory vs Podman,
# from a docker-registry on loopback, and the cost of a re-pull. Builds a
# ~200 MB, 5-layer gzip image offline as an OCI layout, then runs
# bench/pull.ts, which starts the registry, pushes the image with skopeo and
# does the timing. Everything it creates is removed on exit, even on failure.
# Needs root (Podman's overlay store). See bench/README.md.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
node=$top/node_modules/.bin/node

for t in skopeo docker-registry; do
  command -v $t >/dev/null 2>&1 || { echo "pull bench: $t is missing (scripts/setup.sh installs it)" >&2; exit 1; }
done
tar --version 2>/dev/null | grep -q 'GNU tar' || { echo "pull bench: GNU tar is required" >&2; exit 1; }
. bench/lib.sh  # cwd is the repository root here
prepare_bench "pull bench"

tmp=$(mktemp -d /tmp/husk-bench-pull.XXXXXX)

cleanup() {
  set +e
  # pull.ts stops its registry itself; this catches one left by a hard kill
  # (its config lives under $tmp, as TMPDIR points there), by pid.
  for p in /proc/[0-9]*; do
    case $(tr '\0' ' ' 2>/dev/null <"$p/cmdline") in
      *docker-registry*"$tmp"/*) kill "${p#/proc/}" 2>/dev/null ;;
    esac
  done
  cleanup_tmp "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PODMAN_CONF=$tmp/containers.conf
printf '%s\n' '[containers]' 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' \
  '[engine]' 'runtime = "runc"' >"$PODMAN_CONF"
PODMAN_OK=
if command -v podman >/dev/null 2>&1; then
  if err=$(CONTAINERS_CONF=$PODMAN_CONF podman --root "$tmp/probe/root" --runroot "$tmp/probe/run" \
             --tmpdir "$tmp/probe/tmp" --storage-driver overlay images 2>&1); then
    PODMAN_OK=1
  else
    echo "pull bench: podman does not work here, comparing husk with skopeo only:" >&2
    printf '%s\n' "$err" >&2
  fi
fi

# --- the image: busybox rootfs + 4 layers of generated data, gzip -n -------------
echo "pull bench: building the image" >&2
epoch=1704067200
case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
img=$tmp/img
mkdir -p "$img"
"$node" bench/pull.ts gen "$img"
cp test/fixtures/out/busybox-rootfs.tar "$img/l1.tar"
for n in 2 3 4 5; do
  tar -c -f "$img/l$n.tar" -C "$img/l$n" --format=posix --pax-option=delete=atime,delete=ctime \
    --numeric-owner --owner=0 --group=0 --mtime=@$epoch --sort=name .
done
# The trees stay until the exit trap: removing 4000 files here would slow
# file creation in the first timed pulls (see "Method" in bench/README.md).
# gzip is single-threaded: compress the layers side by side.
pids=
for n in 1 2 3 4 5; do gzip -n -c "$img/l$n.tar" >"$img/l$n.tar.gz" & pids="$pids $!"; done
for p in $pids; do wait "$p"; done # one by one, so a failed gzip stops the script
"$node" test/fixtures/oci-layout.ts "$img/oci" "$arch" 2024-01-01T00:00:00Z \
  "$img/l1.tar" "$img/l1.tar.gz" 'busybox rootfs' \
  "$img/l2.tar" "$img/l2.tar.gz" '4000 small files' \
  "$img/l3.tar" "$img/l3.tar.gz" '2 x 45 MiB' \
  "$img/l4.tar" "$img/l4.tar.gz" '1 x 90 MiB' \
  "$img/l5.tar" "$img/l5.tar.gz" '10 x 8 MiB' >/dev/null
rm -f "$img"/l*.tar "$img"/l*.tar.gz

# TMPDIR: the registry's own directory (test/registry-server.ts) lands in $tmp too.
TMPDIR=$tmp PULL_LAYOUT=$img/oci PULL_TMP=$tmp HUSK_BIN=$top/bin/husk PODMAN_CONF=$PODMAN_CONF PODMAN_OK=$PODMAN_OK \
  "$node" bench/pull.ts
