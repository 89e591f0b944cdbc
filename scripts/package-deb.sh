#!/bin/sh
# Builds a Debian package of the built husk (after `npm run build`):
#
#   scripts/package-deb.sh [OUTDIR]      (npm run package)
#
# writes OUTDIR/husk_VERSION_ARCH.deb (default OUTDIR: dist-deb/). Its
# files are scripts/install.sh's copy: /usr/local/lib/husk with the pinned
# Node inside, /usr/local/bin/husk linking to it (the path the generated
# systemd units name), the Quadlet generators and the boot service for
# --restart=always containers. The Depends are the runtime part of set-up's
# PACKAGES (not its build and test tools); `apt install ./husk_*.deb`
# fetches them.
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$src/dist-deb}
version=$("$src/node_modules/node/bin/node" -p "require('$src/package.json').version")
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage"
sh "$src/scripts/install.sh" "$stage/usr/local/lib/husk" -
mkdir -p "$stage/usr/local/bin" "$stage/usr/lib/systemd/system" "$stage/usr/lib/systemd/system-generators" "$stage/usr/lib/systemd/user-generators" "$stage/DEBIAN"
ln -s ../lib/husk/bin/husk "$stage/usr/local/bin/husk"
ln -s /usr/local/lib/husk/bin/husk-quadlet-generator "$stage/usr/lib/systemd/system-generators/husk-system-generator"
ln -s /usr/local/lib/husk/bin/husk-quadlet-generator "$stage/usr/lib/systemd/user-generators/husk-user-generator"
install -m 0644 "$src/contrib/systemd/husk-restart.service" "$stage/usr/lib/systemd/system/husk-restart.service"

size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat >"$stage/DEBIAN/control" <<EOF
Package: husk
Version: $version
Architecture: $arch
Maintainer: husk developers <husk@localhost>
Installed-Size: $size
Depends: conmon, crun | runc, netavark, aardvark-dns, slirp4netns, catatonit, uidmap, fuse-overlayfs, iptables, iproute2, procps, util-linux, golang-github-containers-common, ca-certificates
Suggests: openssh-client, systemd
Section: admin
Priority: optional
Description: daemonless, Podman-compatible container engine
 husk runs OCI containers under conmon and crun or runc, with Podman's
 commands, flags, output and exit codes, overlay storage, netavark bridge
 networks, pods and rootless mode. It bundles its own Node.js runtime.
EOF
# Like set-up: the boot service where systemd runs (containers with --restart=always).
cat >"$stage/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload || true
  systemctl enable husk-restart.service || true
fi
EOF
cat >"$stage/DEBIAN/prerm" <<'EOF'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl disable husk-restart.service || true
fi
# root's V8 compile cache is written into the install: not a packaged file.
rm -rf /usr/local/lib/husk/dist/.cache
EOF
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm"

mkdir -p "$out"
deb="$out/husk_${version}_$arch.deb"
# gzip: a few seconds for the ~130 MB of Node, where xz takes a minute.
dpkg-deb --root-owner-group -Zgzip --build "$stage" "$deb" >/dev/null
echo "$deb"
