# Moleculer shop: one image for every topology.
#   all-in-one:  docker run -e JWT_SECRET=... -p 3000:3000 moleculer-shop
#   one service: docker run -e SERVICES=orders -e TRANSPORTER=nats://nats:4222 ... moleculer-shop
# The server runs compiled, as `npm start` runs it (scripts/build-server.ts: esbuild, no bundling,
# the same layout in dist/server/); tsx (a production dependency) runs the scripts (migrate, seed).

# ---- deps: production node_modules only --------------------------------------------------------
FROM node:22-bookworm-slim AS deps
WORKDIR /app
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
# Only the manifests: this layer is rebuilt when dependencies change, not when the code does.
# (Every dependency is pure JavaScript today; a native one would need python3/make/g++ here only.)
COPY package.json package-lock.json ./
# postinstall (scripts/build-web.ts) finds no Vite in a production install and skips the web build.
COPY scripts/build-web.ts ./scripts/
RUN npm ci --omit=dev \
 && npm cache clean --force

# ---- web: the storefront and the backoffice, built with the dev dependencies (Vite) -------------
FROM node:22-bookworm-slim AS web
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY web ./web
COPY scripts/build-web.ts ./scripts/
RUN node --import tsx scripts/build-web.ts

# ---- server: the TypeScript of the server compiled to JavaScript (dist/server/) -----------------
# The same first layers as the web stage, so the builder shares them.
FROM node:22-bookworm-slim AS server
WORKDIR /app
ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY server.ts create-broker.ts moleculer.config.ts tsconfig.json ./
COPY lib ./lib
COPY services ./services
COPY mixins ./mixins
COPY scripts/build-server.ts ./scripts/
RUN node --import tsx scripts/build-server.ts

# ---- runtime ------------------------------------------------------------------------------------
FROM node:22-bookworm-slim AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/app/data \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    MALLOC_ARENA_MAX=2 \
    MALLOC_MMAP_THRESHOLD_=1048576
# Code and dependencies stay owned by root (read-only for the app); only DATA_DIR (the embedded
# SQLite store, used when a service has no database URL) is writable by the `node` user.
# MALLOC_ARENA_MAX=2: glibc's per-thread arenas (the store's checkpoint worker, libuv's pool) held
# about 50 MB of RSS under load that two arenas do not. MALLOC_MMAP_THRESHOLD_: blocks of 1 MiB and
# more (scrypt's 16 MiB per password hash) are mapped and unmapped on their own; by default glibc
# moved them into its heap after the first one, which kept up to 23 MiB more (docs/performance.md).
COPY --from=deps /app/node_modules ./node_modules
COPY . .
COPY --from=web /app/dist/web ./dist/web
COPY --from=server /app/dist/server ./dist/server
RUN mkdir -p /app/data \
 && chown node:node /app/data

USER node
EXPOSE 3000

# Liveness of the HTTP gateway. Containers that run no gateway (SERVICES without `api`) override or
# disable this check (see docker-compose.split.yml). Slim images have no curl: Node's fetch does it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=40s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/v1/health/live', { signal: AbortSignal.timeout(4000) }).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"

# Node runs as the main process (no npm wrapper), so SIGTERM reaches the broker, which stops its
# services gracefully. The compose files add `init: true` for zombie reaping.
STOPSIGNAL SIGTERM
# AsyncLocalStorage (request ids in logs) without promise hooks: a quarter less CPU per order;
# semi-spaces of up to 32 MB and an old generation collected once it has grown by half of what was
# live after the last collection: RSS follows the live heap (at most 286 MiB over a million orders at
# 400/s) instead of V8's default of up to four times it; no field type tracking: V8 otherwise
# recompiled the metric updates for ever, about a quarter of the CPU per order at 400 orders/s
# (docs/performance.md).
CMD ["node", "--experimental-async-context-frame", "--max-semi-space-size=32", "--heap-growing-percent=50", "--no-track-field-types", "dist/server/server.js"]
