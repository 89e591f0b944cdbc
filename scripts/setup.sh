#!/bin/sh
# One-shot set-up for a fresh Debian 12 machine (run as root): Debian
# packages, the pinned Node and npm dependencies, the build, the offline test
# images, husk installed under /usr/local/lib/husk and on PATH, and a first container.
set -eu
cd "$(dirname "$0")/.."

PACKAGES="crun runc conmon catatonit busybox-static golang-github-containers-common uidmap fuse-overlayfs slirp4netns iptables procps util-linux tar gzip ca-certificates gcc libc6-dev docker-registry skopeo apache2-utils netavark aardvark-dns passt iproute2 docker-compose python3-docker mmdebstrap systemd python3 bash-completion zsh fish podman criu gpg"
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  echo "==> installing Debian packages:$missing"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi

# Rootless husk (docs/rootless.md): fuse-overlayfs and slirp4netns open these
# as the invoking user. udev makes them 0666 on a normal host; here nothing does.
for dev in /dev/fuse /dev/net/tun; do
  if [ -c "$dev" ]; then chmod 0666 "$dev"; fi
done

echo "==> npm ci"
npm ci --no-audit --no-fund

echo "==> build"
npm run build

echo "==> test images"
sh test/fixtures/build.sh

# husk on PATH for every user: a world-readable copy under /usr/local/lib/husk
# (the checkout may sit in root's 0700 home), linked as /usr/local/bin/husk.
# After a rebuild, `sh scripts/install.sh` refreshes it.
echo "==> install /usr/local/lib/husk"
sh scripts/install.sh /usr/local/lib/husk /usr/local/bin/husk

# bash completion, generated from husk's own command definitions; bash-completion loads it on demand.
mkdir -p /usr/share/bash-completion/completions
husk completion bash > /usr/share/bash-completion/completions/husk

# systemd (docs/systemd.md): the Quadlet generators where systemd has
# generator directories, and the boot service for --restart=always
# containers (enabled only where systemd runs as PID 1). Idempotent.
for kind in system user; do
  dir=/usr/lib/systemd/$kind-generators
  if [ -d "$dir" ]; then ln -sf /usr/local/lib/husk/bin/husk-quadlet-generator "$dir/husk-$kind-generator"; fi
done
if [ -d /usr/lib/systemd/user ]; then
  cp contrib/systemd/husk-user-wait-network-online.service /usr/lib/systemd/user/
fi
if [ -d /etc/systemd/system ]; then
  cp contrib/systemd/husk-restart.service /etc/systemd/system/husk-restart.service
  if [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ]; then
    systemctl daemon-reload && systemctl enable husk-restart.service
  fi
fi

# The first container: the busybox image imported from the fixtures.
if ! husk image exists localhost/busybox; then
  husk import test/fixtures/out/busybox-rootfs.tar busybox >/dev/null
fi
husk run --rm busybox echo hello from husk
