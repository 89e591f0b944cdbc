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
