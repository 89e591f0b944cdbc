#!/bin/sh
# One-shot set-up for a fresh Debian 12 machine (run as root): Debian
# packages, the pinned Node and npm dependencies, the build, the offline test
# images, `husk` on PATH, and a first container.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="crun runc conmon catatonit busybox-static golang-github-containers-common uidmap iptables procps util-linux tar gzip ca-certificates gcc libc6-dev docker-registry skopeo apache2-utils netavark aardvark-dns iproute2 slirp4netns"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "==> installing Debian packages:$missing"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

# Rootless networking (slirp4netns, pasta) opens /dev/net/tun as the user;
# udev makes it 0666 on normal hosts, these machines ship it 0600.
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  echo "==> chmod 0666 /dev/net/tun"
  chmod 0666 /dev/net/tun
fi

echo "==> npm ci"
npm ci --no-audit --no-fund

echo "==> build"
npm run build

echo "==> test images"
sh test/fixtures/build.sh

ln -sf "$PWD/bin/husk" /usr/local/bin/husk

# The first container: the busybox image imported from the fixtures.
if ! husk image exists localhost/busybox; then
  husk import test/fixtures/out/busybox-rootfs.tar busybox >/dev/null
fi
husk run --rm busybox echo hello from husk
