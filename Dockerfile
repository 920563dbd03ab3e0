# The messenger's server with the built web app. Used by docker-compose.yml; `npm start` does the
# same without Docker.
FROM node:20-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 and the ws accelerators compile from source when no prebuilt binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.base.json ./
COPY protocol/package.json protocol/
COPY client/package.json client/
COPY server/package.json server/
COPY web/package.json web/
COPY desktop-notifier/package.json desktop-notifier/
COPY bench/package.json bench/
COPY e2e/package.json e2e/
RUN npm ci --no-audit --no-fund
COPY protocol protocol
COPY client client
COPY server server
COPY web web
RUN npx tsc -b protocol server && npm run build -w web \
 && npm prune --omit=dev --workspace=server --workspace=protocol --include-workspace-root=false

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data WEB_DIST=/app/web/dist
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/protocol/package.json protocol/
COPY --from=build /app/protocol/dist protocol/dist
COPY --from=build /app/server/package.json server/
COPY --from=build /app/server/dist server/dist
COPY --from=build /app/web/dist web/dist
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000
# The flags of scripts/lib/server-process.mjs SERVER_NODE_ARGS (64 MiB young generation: see there).
CMD ["node", "--enable-source-maps", "--max-semi-space-size=64", "server/dist/server.js"]
