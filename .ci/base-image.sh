#!/usr/bin/env bash
# Makes a stand-in for the Node.js base image the Dockerfile pins, since no image registry is
# reachable from CI: a minimal Debian bookworm root filesystem (debootstrap --variant=minbase),
# this machine's node binary and npm copied in, a `node` user and group 1000:1000, imported with
# `docker import` under exactly the tag the Dockerfile's FROM lines name. The Dockerfile then
# builds unchanged. Skipped when that tag is already in the engine.
#
#   DOCKER_HOST=$(bash .ci/docker-engine.sh start) bash .ci/base-image.sh
#
# Environment: DEBIAN_MIRROR (default: the first URI in /etc/apt/sources.list.d, else deb.debian.org).
set -euo pipefail
cd "$(dirname "$0")/.."

DOCKER=/usr/bin/docker
log() { printf 'base-image: %s\n' "$*" >&2; }

tag="$(sed -nE 's/^FROM[[:space:]]+(node:[^[:space:]]+).*/\1/p' Dockerfile | sort -u)"
[ "$(printf '%s\n' "$tag" | wc -l)" -eq 1 ] || { log "the FROM lines name more than one base: $tag"; exit 1; }
if "$DOCKER" image inspect "$tag" >/dev/null 2>&1; then
  log "$tag already present"
  exit 0
fi
command -v debootstrap >/dev/null 2>&1 || { log "debootstrap missing: run 'bash .ci/install-tools.sh'"; exit 1; }

mirror="${DEBIAN_MIRROR:-$(sed -nE 's/^URIs:[[:space:]]*([^[:space:]]+\/debian)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)}"
mirror="${mirror:-http://deb.debian.org/debian}"
root="$(mktemp -d /tmp/hwcdb-base-XXXXXX)"
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"   # mktemp makes it 0700; the image's / must be readable by uid 1000

log "debootstrap --variant=minbase bookworm from $mirror"
start=$(date +%s)
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
  tail -n 30 "$root.log" >&2; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
# The image needs no package lists, docs or locales: keeping them out keeps the base small.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/* "$root"/usr/share/doc/* "$root"/usr/share/man/* \
  "$root"/usr/share/locale/*

node_bin="$(command -v node)"
npm_dir="$(dirname "$(readlink -f "$(command -v npm)")")/.."
npm_dir="$(readlink -f "$npm_dir")"
install -D -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
# The node binary's shared libraries must all be in the root (Debian's libstdc++ and libc are).
missing="$(env -u NODE_EXTRA_CA_CERTS chroot "$root" /usr/local/bin/node -e 'process.stdout.write(process.version)' 2>&1)" || {
  log "node does not start inside the root: $missing"; exit 1; }
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

log "importing as $tag (node $missing, $(du -sh "$root" | cut -f1))"
tar -C "$root" -c . | "$DOCKER" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' - "$tag" >/dev/null
log "$tag ready in $(( $(date +%s) - start )) s"
