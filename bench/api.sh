#!/bin/sh
# The REST API: `docker run --rm busybox true` (the docker CLI, /usr/local/bin/docker)
# against `husk system service`, beside `husk run --rm` directly, and against
# `podman system service` when Podman is installed (this bench never
# installs it, and says so); then 50 containers through each API by 10
# concurrent clients. Throw-away stores and services,
# removed on exit, also on failure. Needs root. See bench/README.md.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
node=$top/node_modules/.bin/node
docker=${DOCKER:-/usr/local/bin/docker}
[ "$(id -u)" = 0 ] || { echo "bench/api: must run as root" >&2; exit 1; }
[ -x "$docker" ] || { echo "bench/api: no docker CLI at $docker (set DOCKER=)" >&2; exit 1; }
. bench/lib.sh
"$node" scripts/build.mjs
sh test/fixtures/build.sh >/dev/null
rootfs_tar=$top/test/fixtures/out/busybox-rootfs.tar

tmp=$(mktemp -d /tmp/husk-bench-api.XXXXXX)
HUSK_CMD="$top/bin/husk --root $tmp/husk/root --runroot $tmp/husk/run"
PODMAN_CMD="podman --root $tmp/podman/root --runroot $tmp/podman/run --tmpdir $tmp/podman/tmp --storage-driver overlay"
PODMAN_CONF=$tmp/podman/containers.conf
pids=

cleanup() {
  set +e
  for p in $pids; do kill "$p" 2>/dev/null; done
  for p in $pids; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
  $HUSK_CMD rm -af -t 0 >/dev/null 2>&1
  command -v podman >/dev/null && CONTAINERS_CONF=$PODMAN_CONF $PODMAN_CMD rm -af -t 0 >/dev/null 2>&1
  cleanup_tmp "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tmp/husk" "$tmp/podman" "$tmp/docker"
$HUSK_CMD import "$rootfs_tar" busybox >/dev/null
$HUSK_CMD system service --time 0 "unix://$tmp/husk.sock" 2>"$tmp/husk-service.log" &
pids="$pids $!"

PODMAN_SOCK=
if command -v podman >/dev/null 2>&1; then
  # Podman 4.3 needs these on these hosts (see bench/run.sh); only Podman sees them.
  printf '%s\n' '[containers]' 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' \
    '[engine]' 'runtime = "runc"' >"$PODMAN_CONF"
  if CONTAINERS_CONF=$PODMAN_CONF $PODMAN_CMD import "$rootfs_tar" busybox >/dev/null 2>&1; then
    CONTAINERS_CONF=$PODMAN_CONF $PODMAN_CMD system service --time 0 "unix://$tmp/podman.sock" 2>"$tmp/podman-service.log" &
    pids="$pids $!"
    PODMAN_SOCK=$tmp/podman.sock
  else
    echo "bench/api: podman cannot import the image here; Podman's service skipped" >&2
  fi
else
  echo "bench/api: podman is not installed; Podman's service skipped"
fi

for s in "$tmp/husk.sock" ${PODMAN_SOCK:+"$PODMAN_SOCK"}; do
  i=0
  until [ -S "$s" ]; do
    i=$((i + 1)); [ $i -gt 100 ] && { echo "bench/api: no socket $s" >&2; cat "$tmp"/*-service.log >&2; exit 1; }
    sleep 0.1
  done
done

export HUSK_CMD DOCKER_BIN=$docker HUSK_SOCK=$tmp/husk.sock PODMAN_SOCK DOCKER_CONFIG=$tmp/docker
mkdir -p bench/results
"$node" bench/api.ts
