# syntax=docker/dockerfile:1
# TrendMaster: one image for the webhook, the forecaster and the `trendmaster` CLI.
#   build:   npm ci, tsc, then npm prune --omit=dev: only production dependencies move on
#   runtime: node 20, no npm, files owned by root and read-only to uid 1001, nothing written
#            outside /tmp (the chart mounts an emptyDir there and a read-only root filesystem)
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile before the sources are copied, and no production
# dependency has an install script.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY ratelimit ./ratelimit
COPY forecaster ./forecaster
COPY webhook ./webhook
COPY cli ./cli
COPY bench ./bench
COPY test ./test
COPY examples ./examples
# Unit tests sit beside the code and tsconfig compiles them too; they do not ship.
RUN npm run build \
 && rm -rf dist/test dist/.tsbuildinfo \
 && find dist -name '*.test.js' -o -name '*.test.js.map' | xargs rm -f \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=dev
LABEL org.opencontainers.image.title="trendmaster-ai" \
      org.opencontainers.image.description="Adaptive rate-limit guard for Istio/Envoy global rate limiting" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
# No package manager at run time: nothing installs anything in a running pod.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
 && groupadd --gid 1001 trendmaster \
 && useradd --uid 1001 --gid 1001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin trendmaster
ENV NODE_ENV=production \
    HOME=/tmp \
    TRENDMASTER_SETTINGS=/etc/trendmaster/settings.yaml
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/examples ./examples
USER 1001:1001
# 8443: webhook (HTTPS); 9090: forecaster metrics and health.
EXPOSE 8443 9090
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["--help"]
