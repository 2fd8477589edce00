# huaweicloud-db-exporter container image.
#
#   DOCKER_BUILDKIT=1 docker build -t huaweicloud-db-exporter:0.1.0 \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
#
# Behind a TLS-intercepting proxy, hand npm the proxy's CA bundle as a BuildKit secret (it never
# lands in a layer): add `--secret id=ca,src=/path/to/ca-bundle.pem`. Without the secret the build
# uses the base image's own trust store.
#
#   docker run --rm -p 10110:10110 --read-only \
#     -v "$PWD/config/exporter.yaml:/etc/huaweicloud-db-exporter/config.yaml:ro" \
#     -e HWC_ACCESS_KEY -e HWC_SECRET_KEY \
#     huaweicloud-db-exporter:0.1.0
#
# Configuration: the exporter reads /etc/huaweicloud-db-exporter/config.yaml (mount it, read-only).
# Keep credentials out of that file: write them as ${HWC_ACCESS_KEY}-style references and pass the
# variables with -e / a Kubernetes Secret, or use the *_file keys with a mounted secret file.
# Other flags replace the CMD, e.g. `docker run ... huaweicloud-db-exporter:0.1.0
# --config /etc/huaweicloud-db-exporter/config.yaml --check-config`.
#
# The process runs as the image's unprivileged `node` user (uid/gid 1000), owns none of its files
# and writes nothing at run time, so the container can run with a read-only root filesystem.
# The base image is pinned to an exact Node.js LTS release; bump both FROM lines together.

############################################################ build: compile TypeScript to dist/
FROM node:22.23.3-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca,required=false \
    NODE_EXTRA_CA_CERTS=/run/secrets/ca npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

############################################################ runtime: production dependencies + dist/
FROM node:22.23.3-bookworm-slim

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown

LABEL org.opencontainers.image.title="huaweicloud-db-exporter" \
      org.opencontainers.image.description="Prometheus exporter for Huawei Cloud GaussDB session overviews and TaurusDB HTAP instances and sessions" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:22.23.3-bookworm-slim" \
      io.huaweicloud-db-exporter.config-path="/etc/huaweicloud-db-exporter/config.yaml"

ENV NODE_ENV=production
# glibc settings read as the process starts (START_ENV in src/heap-tuning.ts)
ENV MALLOC_ARENA_MAX=1
ENV MALLOC_TRIM_THRESHOLD_=131072

WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca,required=false \
    NODE_EXTRA_CA_CERTS=/run/secrets/ca npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force \
 && rm -rf /root/.npm /tmp/*
COPY --from=build /src/dist ./dist

# Numeric user (the base image's `node`), so that runAsNonRoot can verify it without /etc/passwd.
USER 1000:1000

EXPOSE 10110

# Docker-only liveness check (Kubernetes ignores it; the chart has its own probes). dist/probe.js
# reads the config file's web section and asks /-/healthy over plain HTTP or TLS as the web config
# says. With basic auth on, give it credentials: --health-cmd 'node /app/dist/probe.js
# --basic-auth-user <u> --basic-auth-password-file <file>' (a client certificate likewise).
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD ["node", "/app/dist/probe.js", "--path", "/-/healthy"]

# node options that size the heap as it is created (START_FLAGS in src/heap-tuning.ts)
ENTRYPOINT ["node", "--max-semi-space-size=4", "/app/dist/main.js"]
CMD ["--config", "/etc/huaweicloud-db-exporter/config.yaml"]
