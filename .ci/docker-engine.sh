#!/usr/bin/env bash
# Starts (or stops) a Docker engine of the project's own, as CI needs it: Debian's dockerd as root
# with the vfs storage driver, no iptables and no bridge (builds and containers use the host
# network), on a socket of its own under DOCKER_CI_DIR. Idempotent: an engine already answering on
# that socket is left alone.
#
#   bash .ci/docker-engine.sh start   # prints the DOCKER_HOST to export
#   bash .ci/docker-engine.sh stop    # stops the engine and deletes its data (nothing is cached)
#
# Environment: DOCKER_CI_DIR (default /tmp/huaweicloud-db-exporter-docker).
set -euo pipefail

DIR="${DOCKER_CI_DIR:-/tmp/huaweicloud-db-exporter-docker}"
SOCKET="$DIR/docker.sock"
export DOCKER_HOST="unix://$SOCKET"
DOCKER=/usr/bin/docker   # Debian's client: BuildKit without the buildx plugin

log() { printf 'docker-engine: %s\n' "$*" >&2; }

answering() { [ -S "$SOCKET" ] && "$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

case "${1:-start}" in
  start)
    command -v dockerd >/dev/null 2>&1 && [ -x "$DOCKER" ] || {
      log "dockerd or /usr/bin/docker missing: run 'bash .ci/install-tools.sh' (Debian package docker.io)"; exit 1; }
    [ "$(id -u)" -eq 0 ] || { log "dockerd must start as root"; exit 1; }
    if answering; then
      log "engine already answering on $SOCKET"
    else
      mkdir -p "$DIR/data" "$DIR/exec"
      log "starting dockerd (data $DIR/data, socket $SOCKET, log $DIR/dockerd.log)"
      nohup dockerd --data-root "$DIR/data" --exec-root "$DIR/exec" --pidfile "$DIR/dockerd.pid" \
        --storage-driver vfs --iptables=false --ip6tables=false --bridge=none \
        --host "$DOCKER_HOST" >"$DIR/dockerd.log" 2>&1 &
      # Bounded wait: a few seconds is usual; 60 s covers a loaded machine.
      for _ in $(seq 1 120); do
        answering && break
        sleep 0.5
      done
      answering || { log "dockerd did not answer within 60 s:"; tail -n 20 "$DIR/dockerd.log" >&2; exit 1; }
      log "engine $("$DOCKER" version --format '{{.Server.Version}}') ready"
    fi
    echo "$DOCKER_HOST"
    ;;
  stop)
    if [ -f "$DIR/dockerd.pid" ]; then
      pid="$(cat "$DIR/dockerd.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && { log "dockerd $pid still running after 30 s: killing it"; kill -9 "$pid" || true; }
    fi
    # dockerd leaves its network namespace mounted; unmount it or the folder cannot go.
    for ns in "$DIR"/exec/netns/*; do [ -e "$ns" ] && umount "$ns" 2>/dev/null || true; done
    rm -rf "$DIR"
    log "engine stopped, $DIR removed"
    ;;
  *)
    log "usage: $0 start|stop"; exit 2 ;;
esac
