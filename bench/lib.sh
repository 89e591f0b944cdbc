# Shared by the bench scripts (sourced). The blob-info cache Podman and skopeo
# write as root whatever --root says; remembered so cleanup removes it only
# when this run created it.
pcache=/var/lib/containers/cache
[ -e "$pcache" ] && pcache=

# Unmounts anything below $1 (deepest first), deletes it, and the cache.
cleanup_tmp() {
  awk -v t="$1" 'index($2, t) == 1 { print $2 }' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m"; done
  rm -rf "$1"
  [ -n "$pcache" ] && rm -rf "$pcache" && rmdir /var/lib/containers 2>/dev/null
  return 0
}

# Every bench: root, Podman (installed only here, never by the set-up), a
# fresh build and the offline fixtures. $1 names the bench in messages.
prepare_bench() {
  [ "$(id -u)" = 0 ] || { echo "$1: must run as root" >&2; exit 1; }
  if ! command -v podman >/dev/null 2>&1; then
    echo "$1: installing podman"
    apt-get install -y podman >/dev/null || echo "$1: podman install failed" >&2
  fi
  node_modules/.bin/node scripts/build.mjs
  sh test/fixtures/build.sh >/dev/null
}
