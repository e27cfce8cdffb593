# One image for every twin: `docker run twins up slack` (or okta, jira once they exist). Built from this repo, no build step:
# bin/twins.js loads the TypeScript sources through tsx, which is a runtime dependency.
FROM node:20-slim

WORKDIR /app

# Dependencies first, so editing the sources does not re-run the install. tsx, fastify, ajv, faker and yaml are all in
# "dependencies"; the dev tools (vitest, biome, SDKs, autocannon) are not needed to serve a twin.
# npm ci refuses a lockfile that lacks entries for other platforms' optional packages (biome's, a dev dependency);
# npm install then installs the same locked versions, and says so in the build log.
COPY package.json package-lock.json ./
RUN (npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    || (echo 'twins: npm ci refused package-lock.json; falling back to npm install' >&2 \
        && npm install --omit=dev --ignore-scripts --no-audit --no-fund --no-save)) \
  && npm cache clean --force

COPY . .

# The twins need no privileges; node:20-slim ships an unprivileged "node" user.
USER node

# Fill tsx's transform cache (/tmp/tsx-<uid>) at build time, so a container's first start skips compiling the sources.
RUN node -e "import('tsx/esm/api').then(async ({ register }) => { register(); await import('./src/cli/main.ts'); await import('./twins/slack/index.ts'); })"

EXPOSE 3100

# node:20-slim has no curl; Node's own fetch does the probe. Compose defines the same check per service.
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3100/_twin/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]

# Listen on all interfaces inside the container (the port is published by `docker run -p` or compose), print one JSON line.
# The `--` keeps Node 20 from taking a `twins up --env-file PATH` for its own flag (see bin/twins); bin/twins.js drops it.
ENTRYPOINT ["node", "bin/twins.js", "--"]
CMD ["up", "slack", "--host", "0.0.0.0", "--port", "3100", "--json"]
