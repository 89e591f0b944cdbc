#!/bin/sh
# Installs a self-contained copy of the built husk (after `npm run build`):
#
#   scripts/install.sh [LIBDIR [BINLINK]]
#
# LIBDIR (default /usr/local/lib/husk) gets package.json, bin/ (the
# launchers), dist/ (the bundle), native/build/ (the addon, husk-ns,
# husk-crun, husk-preload.so) and node_modules/node/bin/node (the pinned Node), in the
# checkout's layout, so bin/husk finds them relative to itself; everything
# is world-readable (directories 0755), whatever the checkout's own
# permissions (root's home is 0700). BINLINK (default /usr/local/bin/husk;
# "-" for none) becomes a symlink to LIBDIR/bin/husk. The copy is staged
# next to LIBDIR and renamed over it, so a running husk never sees half of
# one. HUSK_INSTALL_HARDLINK=1 hard-links the files instead of copying them
# where it can (the tests' world-readable copy of a checkout).
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
lib=${1:-/usr/local/lib/husk}
link=${2:-/usr/local/bin/husk}

for f in package.json bin/husk bin/husk-quadlet-generator dist/husk.cjs dist/lib.js \
  native/build/husk.node native/build/husk-ns native/build/husk-crun native/build/husk-preload.so node_modules/node/bin/node; do
  [ -f "$src/$f" ] || { echo "Error: $src/$f is missing: run npm ci and npm run build first" >&2; exit 1; }
done

mkdir -p "$(dirname "$lib")"
stage=$(mktemp -d "$lib.new.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
copy() { # copy SRC-RELATIVE-PATH: a file or a directory tree, into the stage
  mkdir -p "$stage/$(dirname "$1")"
  if [ "${HUSK_INSTALL_HARDLINK:-}" = 1 ] && cp -Rl "$src/$1" "$stage/$1" 2>/dev/null; then return; fi
  rm -rf "${stage:?}/$1"
  cp -R "$src/$1" "$stage/$1"
}
copy package.json
copy bin
copy dist
copy native/build
copy node_modules/node/bin/node
# The compile cache of root's runs lives in the install (bin/husk); a
# checkout's own cache is not carried over.
rm -rf "$stage/dist/.cache"
# umask-proof: readable by everyone, writable by root only. Hard-linked
# files share the checkout's inodes: those are made world-readable too.
chmod -R u+rwX,go+rX,go-w "$stage"

# Swap the directory in: rename the old one away, the new one in, drop the old.
if [ -e "$lib" ]; then
  old=$(mktemp -d "$lib.old.XXXXXX")
  rmdir "$old"
  mv "$lib" "$old"
  mv "$stage" "$lib"
  rm -rf "$old"
else
  mv "$stage" "$lib"
fi
trap - EXIT

if [ "$link" != - ]; then
  mkdir -p "$(dirname "$link")"
  ln -sfn "$lib/bin/husk" "$link"
fi
