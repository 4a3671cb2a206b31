# One image for every process of the product; docker-compose.yml picks the entry point by its command:
#   node --import tsx src/api-main.ts         what `npm run api` runs: the REST API
#   node --import tsx src/worker-main.ts      what `npm run worker` runs: the Temporal worker (workflows, jobs, control activities)
#   node --import tsx src/simulator/main.ts   the fault-injecting simulator of the five services
# Containers run node itself, with tsx as a loader inside it: SIGTERM reaches the product's own handler, which
# drains. Not through npm (it exits at once on SIGTERM without passing it on) nor tsx's CLI (its relay SIGKILLs
# a child that does not acknowledge the signal within 30 ms, which a busy worker may not).
# No Python or Java here: in compose, Temporal runs as its own service (TEMPORAL_ADDRESS), so neither the
# Temporal CLI nor the time-skipping test server that `npm run setup` builds is needed in the image.

# ---- dependencies (cached until package.json or package-lock.json changes) ----------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
# Dev dependencies are kept: the processes run TypeScript through tsx, and `prisma generate` needs the CLI.
RUN npm ci

# ---- runtime ----------------------------------------------------------------------------------------
FROM node:20-bookworm-slim AS runtime
WORKDIR /app
ENV PATH=/app/node_modules/.bin:$PATH \
    npm_config_update_notifier=false \
    NODE_ENV=production \
    DATA_DIR=/app/.data \
    HOST=0.0.0.0 \
    PORT=8080
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json prisma.config.ts ./
COPY prisma ./prisma
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
# Prisma 7's CLI wants a schema engine even for `generate`, which needs none: point it at an existing
# file, exactly as prisma.config.ts does, so the build never downloads an engine. The dashboard
# (src/dashboard) is built with Vite into dist/dashboard, which the API serves at `/`.
RUN PRISMA_SCHEMA_ENGINE_BINARY=/app/package.json npx --no-install prisma generate \
 && npx --no-install vite build src/dashboard \
 && mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 8080
# The API by default; compose overrides the command for the worker and the simulator.
CMD ["node", "--import", "tsx", "src/api-main.ts"]
