# syntax=docker/dockerfile:1
# Build: docker build -t vixy .
# Run:   docker run -p 8080:8080 -v $PWD/config.toml:/etc/vixy/config.toml:ro vixy
# The listen address, and so the port the health check probes, come from
# [server].listen in the config file (default 0.0.0.0:8080).

ARG NODE_IMAGE=node:22-bookworm-slim

# 1. Compile: every dependency, TypeScript included.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# 2. Production dependencies only. --omit=optional also keeps out TypeScript (23 MB),
#    which npm would otherwise install as an optional peer of @nestjs/swagger.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

# 3. The image: compiled code and production dependencies, run as the non-root node user.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    VIXY_CONFIG=/etc/vixy/config.toml
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node config.example.toml /etc/vixy/config.example.toml
USER node
# Documentation only: the ports of the shipped configs ([server].listen, [metrics].port).
EXPOSE 8080 9090
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "dist/healthcheck.js"]
ENTRYPOINT ["node", "dist/main.js"]
CMD ["--config", "/etc/vixy/config.toml"]
