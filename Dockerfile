# syntax=docker/dockerfile:1.7
# gomodprobe: build the single-file bundle, then ship it alone on a distroless Node LTS base.
# The runtime stage has no shell, no package manager and no node_modules: one file, run as a
# non-root numeric UID, fine on a read-only root file system with every capability dropped.
# test/ship/runtime-image.test.ts reproduces this stage from this file (what it copies, USER,
# ENTRYPOINT) and runs it that way, so keep the stage simple enough for that reading.

ARG BUILD_IMAGE=node:24-bookworm-slim
# Distroless Node 24 (LTS): Debian 12 with ca-certificates (/etc/ssl/certs/ca-certificates.crt, the
# first file Go looks for), /nodejs/bin/node, and the nonroot user 65532.
ARG RUNTIME_IMAGE=gcr.io/distroless/nodejs24-debian12:nonroot

# The runtime image's node, for the build to bake the units' V8 code caches with: V8 accepts a cache only
# from its own version, patch level included, and the build image's Node 24 release may not be the
# runtime image's.
FROM ${RUNTIME_IMAGE} AS runtime-node

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
# Dependencies first, so that a source change reuses this layer; the cache mount keeps npm's
# download cache across builds without putting it in a layer. No install scripts are needed
# (esbuild runs from its platform package).
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --ignore-scripts --no-audit --no-fund
# The build also bakes the units' V8 code caches: runs of the bundle with the runtime image's node and the
# ENTRYPOINT's node flags (scripts/image-node-flags.json, test/ship/dockerfile.test.ts keeps the two
# equal) that write what they compiled. V8 takes a cache only from its own version and flags; else the
# unit compiles from source as without one.
COPY --from=runtime-node /nodejs/bin/node /opt/runtime-node/node
ENV GMP_BUILD_TRAINING_NODE=/opt/runtime-node/node
COPY tsconfig.json ./
COPY scripts/build.mjs scripts/image-node-flags.json scripts/
COPY src/ src/
RUN npm run build

FROM ${RUNTIME_IMAGE} AS runtime
ARG RUNTIME_IMAGE
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="gomodprobe" \
      org.opencontainers.image.description="Will go mod download work from this pod, and if not, which hop breaks and why" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="${RUNTIME_IMAGE}"
# Owned by root and read-only: the probe never writes next to itself.
COPY --from=build --chown=0:0 --chmod=0444 /src/dist/gomodprobe.mjs /app/gomodprobe.mjs
# Beside the bundle, its source maps (a bug's one line names its place in src/: src/stack.ts reads them
# only then), the CycloneDX SBOM, where image scanners look for the bundled npm packages' versions, and
# the units' V8 code caches (gomodprobe.<unit>.v8cache, read when the unit is first compiled).
COPY --from=build --chown=0:0 --chmod=0444 /src/dist/gomodprobe.cdx.json /src/dist/*.map /src/dist/*.v8cache /app/
# Numeric, so that the kubelet can enforce runAsNonRoot without reading /etc/passwd.
USER 65532:65532
ENTRYPOINT ["/nodejs/bin/node", "--liftoff-only", "--no-opt", "--optimize-for-size", "--semi-space-growth-factor=1", "/app/gomodprobe.mjs"]
