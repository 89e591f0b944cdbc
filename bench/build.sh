#!/bin/sh
# `husk build` vs `podman build` on the same 6-step context (COPY and RUN):
# a cold build (--no-cache; the base image is present), an unchanged
# rebuild (every step cached) and a rebuild after one COPY'd file changed.
# Interleaved samples, order flipped each iteration; medians and ratios.
# Throw-away stores, removed on exit (also on failure). Needs root.
# Env: BUILD_RUNS (timed iterations per case, default 5). See bench/README.md.
set -eu
cd "$(dirname "$0")/.."
top=$PWD
. bench/lib.sh
prepare_bench bench/build
runs=${BUILD_RUNS:-5}
rootfs_tar=$top/test/fixtures/out/busybox-rootfs.tar

tmp=$(mktemp -d /tmp/husk-bench-build.XXXXXX)
HUSK="$top/bin/husk --root $tmp/husk/root --runroot $tmp/husk/run"
PODMAN="podman --root $tmp/podman/root --runroot $tmp/podman/run --tmpdir $tmp/podman/tmp --storage-driver overlay"
export CONTAINERS_CONF=$tmp/containers.conf
cleanup() {
  set +e
  $HUSK rm -af -t 0 >/dev/null 2>&1
  command -v podman >/dev/null && $PODMAN rm -af -t 0 >/dev/null 2>&1
  cleanup_tmp "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Podman 4.3 needs these on these hosts (see bench/run.sh); husk ignores CONTAINERS_CONF's engine keys it does not use.
printf '%s\n' '[containers]' 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' '[engine]' 'runtime = "runc"' >"$CONTAINERS_CONF"
mkdir -p "$tmp/husk" "$tmp/podman" "$tmp/ctx/data"
$HUSK import "$rootfs_tar" busybox >/dev/null
engines=husk
if command -v podman >/dev/null 2>&1 && $PODMAN import "$rootfs_tar" busybox >/dev/null 2>&1; then
  engines="husk podman"
else
  echo "bench/build: podman is not usable here; husk alone"
fi

# The context: 6 steps after FROM, three of them RUN or COPY reading files.
i=0
while [ $i -lt 50 ]; do echo "file $i" >"$tmp/ctx/data/f$i.txt"; i=$((i + 1)); done
echo v0 >"$tmp/ctx/app.txt"
cat >"$tmp/ctx/Containerfile" <<'CF'
FROM localhost/busybox
COPY data/ /data/
RUN for i in $(seq 1 100); do echo $i > /tmp/f$i; done && cat /data/* > /all.txt
COPY app.txt /app.txt
RUN cat /app.txt > /app.copy
ENV MODE=bench
CMD ["cat", "/app.copy"]
CF

ms() { date +%s%N | cut -c1-13; }
# One timed build; $1 engine, rest: extra flags.
timed() {
  e=$1; shift
  if [ "$e" = husk ]; then cmd=$HUSK; else cmd=$PODMAN; fi
  t0=$(ms)
  $cmd build -q "$@" -t bench "$tmp/ctx" >/dev/null 2>"$tmp/err" || { echo "bench/build: $e build failed:" >&2; cat "$tmp/err" >&2; exit 1; }
  echo $(($(ms) - t0))
}

run_case() {
  name=$1; shift
  for e in $engines; do : >"$tmp/$name.$e"; done
  for e in $engines; do timed "$e" >/dev/null; done # warm-up (also fills the cache)
  n=0
  while [ $n -lt "$runs" ]; do
    order=$engines
    [ $((n % 2)) = 1 ] && order=$(echo "$engines" | awk '{ for (i = NF; i > 0; i--) printf "%s ", $i }')
    for e in $order; do
      [ "$name" = change ] && echo "v$n-$e" >"$tmp/ctx/app.txt"
      timed "$e" "$@" >>"$tmp/$name.$e"
    done
    n=$((n + 1))
  done
}

median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

run_case cold --no-cache
run_case cached
run_case change

printf '%-8s %10s %12s %12s %s\n' case 'husk p50' 'podman p50' husk/podman target
for c in cold:1.0 cached:0.3 change:0.5; do
  name=${c%%:*}; target=${c#*:}
  h=$(median "$tmp/$name.husk")
  if [ -s "$tmp/$name.podman" ] 2>/dev/null; then
    p=$(median "$tmp/$name.podman")
    printf '%-8s %8s ms %9s ms %11s  <= %s×\n' "$name" "$h" "$p" "$(awk -v a="$h" -v b="$p" 'BEGIN { printf "%.2f×", a / b }')" "$target"
  else
    printf '%-8s %8s ms %12s %12s\n' "$name" "$h" - -
  fi
done
