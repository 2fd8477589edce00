#!/usr/bin/env bash
# `npm run package`: everything a user installs, in one folder (PACKAGE_DIR, default ./package):
#   huaweicloud-db-exporter-<v>-npm.tgz         npm package (npm install -g <file>)
#   huaweicloud-db-exporter-<v>.tgz             Helm chart archive (helm install <name> <file>)
#   huaweicloud-db-exporter-image-<v>.tar.gz    container image (docker load -i <file>)
#   SHA256SUMS                                  sha256sum -c SHA256SUMS
# The image is built with Debian's docker client and BuildKit (see .ci/docker-engine.sh and
# .ci/base-image.sh where no registry is reachable); NODE_EXTRA_CA_CERTS goes in as the ca secret.
set -euo pipefail
cd "$(dirname "$0")/.."

out="$(realpath -m "${PACKAGE_DIR:-package}")"
version="$(node -p 'require("./package.json").version')"
tag="huaweicloud-db-exporter:${version}"
DOCKER=/usr/bin/docker
log() { printf 'package: %s\n' "$*" >&2; }

rm -rf "$out"
mkdir -p "$out"
# A clean build: files left in dist/ by an older tree must not ship.
rm -rf dist
npm run build --silent
# npm pack and helm package both name their file <name>-<version>.tgz; the chart keeps the name
# chart repositories expect, the npm tarball gets -npm.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
npm pack --silent --pack-destination "$work" >/dev/null
mv "$work/huaweicloud-db-exporter-${version}.tgz" "$out/huaweicloud-db-exporter-${version}-npm.tgz"
helm package helm/huaweicloud-db-exporter --destination "$out" >/dev/null

log "building $tag"
DOCKER_BUILDKIT=1 "$DOCKER" build --progress plain --network host -t "$tag" \
  --build-arg VERSION="$version" --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  ${NODE_EXTRA_CA_CERTS:+--secret "id=ca,src=$NODE_EXTRA_CA_CERTS"} . >"$work/build.log" 2>&1 || {
  tail -n 30 "$work/build.log" >&2; exit 1; }
"$DOCKER" save "$tag" | gzip -6 >"$out/huaweicloud-db-exporter-image-${version}.tar.gz"

(cd "$out" && sha256sum -- *.tgz *.tar.gz >SHA256SUMS)
log "wrote $out:"
(cd "$out" && ls -l --time-style=+ . | tail -n +2 >&2 && cat SHA256SUMS >&2)
