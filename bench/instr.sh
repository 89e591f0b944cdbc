#!/bin/sh
# Instructions of husk's own Node process per hot command (callgrind's Ir;
# child processes such as conmon and runc run natively and are not counted).
# Stable to a few per cent on a loaded machine, unlike wall time, so it shows
# what a start-up change saves in husk itself. See bench/README.md.
#
#   sudo sh bench/instr.sh [TREE...]   # TREE: a checkout or install with dist/husk.cjs (or an older dist/husk.js) (default: this checkout)
#   INSTR_RUNS=3 (minimum of N runs per case), INSTR_PS=100 (containers listed by ps -a)
set -eu
cd "$(dirname "$0")/.."
top=$PWD
node=$top/node_modules/node/bin/node
[ "$(id -u)" = 0 ] || { echo "instr: must run as root" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "instr: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
[ $# -gt 0 ] || set -- "$top"
runs=${INSTR_RUNS:-3}
nps=${INSTR_PS:-100}
tmp=$(mktemp -d /tmp/husk-instr.XXXXXX)
. bench/lib.sh
g="--runtime runc --root $tmp/root --runroot $tmp/run"
# The plain launcher for set-up; the measured command is Node under callgrind
# with the launcher's options and its compile cache (warmed by the set-up runs).
# A tree built before dist/husk.cjs (the code-cache loader) runs its ESM entry with Node's compile cache.
entry() { if [ -f "$1/dist/husk.cjs" ]; then echo "$1/dist/husk.cjs"; else echo "$1/dist/husk.js"; fi; }
h() { t=$1; shift; NODE_COMPILE_CACHE=$t/dist/.cache "$node" --disable-warning=ExperimentalWarning -- "$(entry "$t")" $g "$@"; }
ir() { # ir TREE ARGS...: prints the instruction count
  t=$1; shift
  NODE_COMPILE_CACHE=$t/dist/.cache valgrind --tool=callgrind --callgrind-out-file=/dev/null \
    "$node" --disable-warning=ExperimentalWarning -- "$(entry "$t")" $g "$@" 2>&1 >/dev/null |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
cleanup() {
  set +e
  h "$1" rm -af -t 0 >/dev/null 2>&1
  cleanup_tmp "$tmp"
}
trap 'cleanup "$1"' EXIT
trap 'exit 130' INT TERM

h "$1" import "$top/test/fixtures/out/busybox-rootfs.tar" busybox >/dev/null
for t in "$@"; do h "$t" --version >/dev/null; h "$t" ps -a >/dev/null; done
bg=$(h "$1" run -d --network none busybox sleep 1000)

one() { # one TREE CASE: instructions of one sample, with its untimed set-up
  t=$1
  case $2 in
    version) ir "$t" --version ;;
    create) ir "$t" create --network none --name instr-c busybox true; h "$t" rm -f instr-c >/dev/null ;;
    start) id=$(h "$t" create --network none busybox true); ir "$t" start "$id"; h "$t" rm -f "$id" >/dev/null ;;
    stop) id=$(h "$t" run -d --network none busybox sleep 1000); ir "$t" stop -t 0 "$id"; h "$t" rm -f "$id" >/dev/null ;;
    exec) ir "$t" exec "$bg" true ;;
    ps) ir "$t" ps -a ;;
    run) ir "$t" run --rm --network none busybox true ;;
  esac
}
cases=${INSTR_CASES:-version create start stop exec run ps}
printf '%-8s' case; for t in "$@"; do printf ' %14s' "$(basename "$t")"; done; echo '   (millions of instructions, min of '"$runs"')'
for c in $cases; do
  if [ "$c" = ps ]; then
    have=$(h "$1" ps -aq | wc -l)
    while [ "$have" -lt "$nps" ]; do h "$1" create --network none busybox true >/dev/null; have=$((have + 1)); done
  fi
  printf '%-8s' "$c"
  for t in "$@"; do
    best=
    i=0
    while [ $i -lt "$runs" ]; do
      n=$(one "$t" "$c" | head -1)
      [ -z "$best" ] || [ "$n" -lt "$best" ] && best=$n
      i=$((i + 1))
    done
    printf ' %14s' "$((best / 1000000))"
  done
  echo
done
