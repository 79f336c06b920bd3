# CodeHealer: the same entry point as `npm start`, on Node 24, as a non-root user.
# Build: docker build -t codehealer .    Run: see docs/deployment.md

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only; the image's own Node 24 replaces the `node` devDependency.
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOG_FORMAT=json \
    CODEHEALER_DATA_DIR=/data/db
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json app.yml ./
COPY drizzle ./drizzle
COPY src ./src
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "src/cli.ts"]
CMD ["start"]
