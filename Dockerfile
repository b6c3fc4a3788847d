# syntax=docker/dockerfile:1
# infergraph's image: `docker build -t infergraph .`, then
# `docker run -p 4000:4000 -v "$PWD/models:/models" infergraph` (README, "Production build and container image").
#
# The build stage runs `npm run build`, the same command CI's build test runs (test/build/production-build.test.ts),
# so the image cannot drift from what CI tests. The runtime stage holds only production dependencies, the compiled
# server and the example models, and downloads nothing when it starts.

# The Node major the tests run on (package.json's `node` dev dependency): 24 LTS.
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Dependencies first, so that a change to the sources reuses this layer. .npmrc keeps onnxruntime-node from fetching
# GPU binaries at install time: its CPU binaries come in its npm package.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
# dist/ holds the compiled server (dist/main.js), the SDK modules its command line uses, the browser app and the
# SDK's persisted documents: everything the server reads beside its own modules.
COPY --from=build /app/dist ./dist
# The example models, at the default repository: a volume mounted at /models replaces them, and MODEL_REPOSITORY
# may name a bucket instead (s3://bucket/prefix). Owned by the server's user because moving an alias rewrites model.json.
COPY --from=build --chown=node:node /app/models /models
# HEALTH_PORT: /health/live and /health/ready also on a port of their own, answered by a thread that load on the
# main thread cannot delay, for the HEALTHCHECK below and for Kubernetes probes.
ENV MODEL_REPOSITORY=/models \
    PORT=4000 \
    HEALTH_PORT=9090
# The unprivileged user of the node images (uid 1000): it can write only /models and the temp folder.
USER node
EXPOSE 4000 9090
# With node itself, as slim images have no curl: healthy while the health port answers /health/live with 200.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.HEALTH_PORT}/health/live`).then((response) => process.exit(response.ok ? 0 : 1), () => process.exit(1))"]
# `docker stop` waits 10 s by default; give it the drain window (DRAIN_TIMEOUT_MS, 30 s) and more: `docker stop -t 40`.
CMD ["node", "dist/main.js"]
