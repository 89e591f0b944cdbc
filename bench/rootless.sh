#!/bin/sh
# Rootless side by side: `run --rm --network none busybox true` (and CLI
# start-up) as an unprivileged user, husk vs rootless Podman. Creates a
# throw-away user with subordinate ids for the run and removes it, its
# processes and everything it stored on exit, also on failure. Needs root
# (for useradd) and a set-up machine. See bench/README.md.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
node=$top/node_modules/.bin/node
husk=$top/bin/husk

. bench/lib.sh  # cwd is the repository root here
prepare_bench "bench"


user=huskbench$$
tmp=$(mktemp -d /tmp/husk-bench-rootless.XXXXXX)
chmod 755 "$tmp"
uid=
as_user() { runuser -u "$user" -- env HOME="/home/$user" PATH="$PATH" "$@"; }

cleanup() {
  set +e
  if [ -n "$uid" ]; then
    as_user "$husk" rm -af -t 0 >/dev/null 2>&1
    [ -n "${PODMAN_OK:-}" ] && CONTAINERS_CONF=$PODMAN_CONF as_user podman rm -af -t 0 >/dev/null 2>&1
    # What is left (pause processes, conmon): the throw-away user's own.
    for p in $(pgrep -U "$uid"); do kill -9 "$p" 2>/dev/null; done
    userdel -r -f "$user" >/dev/null 2>&1
    rm -rf "/tmp/husk-run-$uid" "/tmp/husk-userns-$uid"
  fi
  cleanup_tmp "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

useradd -m "$user"  # subordinate ids come from login.defs (SUB_UID_COUNT)
uid=$(id -u "$user")
cp test/fixtures/out/busybox-rootfs.tar "$tmp/busybox.tar"
chmod 644 "$tmp/busybox.tar"

# Podman 4.3 rootless here: runc (crun refuses hybrid cgroups), no journald, no
# systemd. Only Podman sees this file (CONTAINERS_CONF for Podman alone).
PODMAN_CONF=$tmp/containers.conf
printf '%s\n' '[engine]' 'runtime = "runc"' 'events_logger = "file"' 'cgroup_manager = "cgroupfs"' >"$PODMAN_CONF"
chmod 644 "$PODMAN_CONF"

as_user "$husk" import "$tmp/busybox.tar" busybox >/dev/null

PODMAN_OK=
if command -v podman >/dev/null 2>&1; then
  if err=$( { CONTAINERS_CONF=$PODMAN_CONF as_user podman import "$tmp/busybox.tar" busybox >/dev/null &&
              CONTAINERS_CONF=$PODMAN_CONF as_user podman run --rm --network none busybox true; } 2>&1); then
    PODMAN_OK=1
  else
    echo "bench: rootless podman does not work here, measuring husk alone:" >&2
    printf '%s\n' "$err" >&2
  fi
fi

export BENCH_USER=$user HUSK_BIN=$husk PODMAN_CONF PODMAN_OK
mkdir -p bench/results
"$node" bench/rootless.ts
