#!/bin/sh
# Side-by-side benchmark of husk against Podman (and the bare `runc run` floor).
# Sets up throw-away stores for both engines and a runc bundle, then runs
# bench/compare.ts. Everything it creates is removed on exit, even on failure.
# Needs root (real containers). See bench/README.md.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
node=$top/node_modules/.bin/node
husk=$top/bin/husk


. bench/lib.sh  # cwd is the repository root here
prepare_bench "bench"
rootfs_tar=$top/test/fixtures/out/busybox-rootfs.tar

# Both engines on the same OCI runtime: runc (default) or crun.
BENCH_RUNTIME=${BENCH_RUNTIME:-runc}
case $BENCH_RUNTIME in runc|crun) ;; *) echo "bench: BENCH_RUNTIME must be runc or crun" >&2; exit 1 ;; esac

tmp=$(mktemp -d /tmp/husk-bench.XXXXXX)
# Command prefixes (split on spaces by compare.ts; mktemp paths have none).
HUSK_CMD="$husk --runtime $BENCH_RUNTIME --root $tmp/husk/root --runroot $tmp/husk/run"
PODMAN_CMD="podman --root $tmp/podman/root --runroot $tmp/podman/run --tmpdir $tmp/podman/tmp --storage-driver overlay"
RUNC_CMD="runc --root $tmp/runc"
# Podman 4.3 needs this on these hosts: root may not raise nofile/nproc past
# its hard limits (nofile 20000 here), and crun refuses hybrid cgroups, so
# Podman's crun is husk's own wrapper (native/build/husk-crun) there, as
# husk's is. Only Podman sees it: compare.ts passes CONTAINERS_CONF to podman alone.
PODMAN_CONF=$tmp/podman/containers.conf


cleanup() {
  set +e
  $HUSK_CMD pod rm -af -t 0 >/dev/null 2>&1
  $HUSK_CMD rm -af -t 0 >/dev/null 2>&1
  if command -v podman >/dev/null; then
    CONTAINERS_CONF=$PODMAN_CONF $PODMAN_CMD pod rm -af -t 0 >/dev/null 2>&1
    CONTAINERS_CONF=$PODMAN_CONF $PODMAN_CMD rm -af -t 0 >/dev/null 2>&1
  fi
  for id in $($RUNC_CMD list -q 2>/dev/null); do $RUNC_CMD delete -f "$id" >/dev/null 2>&1; done
  cleanup_tmp "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$tmp/husk" "$tmp/podman" "$tmp/runc" "$tmp/bundle/rootfs"
printf '%s\n' '[containers]' 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' \
  '[network]' 'network_backend = "netavark"' '[engine]' "runtime = \"$BENCH_RUNTIME\"" >"$PODMAN_CONF"
if [ "$BENCH_RUNTIME" = crun ] && grep -q . /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null; then
  printf '#!/bin/sh\nexec %s /usr/bin/crun "$@"\n' "$top/native/build/husk-crun" >"$tmp/podman/crun"
  chmod 0755 "$tmp/podman/crun"
  printf '%s\n' '[engine.runtimes]' "crun = [\"$tmp/podman/crun\"]" >>"$PODMAN_CONF"
fi

# Image: the same busybox rootfs in both stores.
$HUSK_CMD import "$rootfs_tar" busybox >/dev/null

# Podman: import and a probe run; if either fails, show the exact error and
# carry on with husk vs the runc floor only.
PODMAN_OK=
if command -v podman >/dev/null 2>&1; then
  if err=$( { CONTAINERS_CONF=$PODMAN_CONF $PODMAN_CMD import "$rootfs_tar" busybox >/dev/null &&
              CONTAINERS_CONF=$PODMAN_CONF $PODMAN_CMD run --rm --network none busybox true; } 2>&1); then
    PODMAN_OK=1
  else
    echo "bench: podman does not work here, comparing husk with the runc floor only:" >&2
    printf '%s\n' "$err" >&2
  fi
fi

# runc floor bundle: busybox rootfs + `runc spec`, non-terminal, runs `true`.
tar -xf "$rootfs_tar" -C "$tmp/bundle/rootfs"
(cd "$tmp/bundle" && runc spec)
"$node" -e '
  const fs = require("node:fs"), f = process.argv[1];
  const c = JSON.parse(fs.readFileSync(f, "utf8"));
  c.process.terminal = false;
  c.process.args = ["true"];
  fs.writeFileSync(f, JSON.stringify(c, null, 2));
' "$tmp/bundle/config.json"

export HUSK_CMD PODMAN_CMD RUNC_CMD PODMAN_CONF PODMAN_OK BENCH_RUNTIME
export BENCH_BUNDLE=$tmp/bundle
mkdir -p bench/results
"$node" bench/compare.ts
