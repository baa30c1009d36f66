# syntax=docker/dockerfile:1
# The kts-exporter image: the sidecar (`serve`, the default) and the webhook (`webhook`).
# Multi-stage: built with the full toolchain, shipped on distroless Node 24 as non-root. The
# CLI runs from its esbuild bundle (dist/bundle: about 6 MB less RSS on Node 24 than loading
# dist/src module by module); production node_modules stay for Vega, which `kts report` loads.

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && node scripts/bundle.mjs && npm prune --omit=dev --no-audit --no-fund

FROM gcr.io/distroless/nodejs24-debian12:nonroot
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/bundle ./dist/bundle
ENV NODE_ENV=production \
    NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=48"
USER 65532:65532
EXPOSE 9464 8443
ENTRYPOINT ["/nodejs/bin/node", "/app/dist/bundle/cli.js"]
CMD ["serve"]
