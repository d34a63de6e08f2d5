# One image for every Switchboard service; the service is chosen by the command.
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
FROM node:24-slim

ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH NODE_ENV=production
RUN npm install -g pnpm@10.34.8 && mkdir -p /app && chown node:node /app
WORKDIR /app

# fetch dependencies from the lockfile alone, so this layer is cached until the lockfile changes
COPY --chown=node:node pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
USER node
RUN pnpm fetch --prod

COPY --chown=node:node . .
RUN pnpm install --offline --prod --frozen-lockfile

EXPOSE 3000
CMD ["node", "services/api/src/main.ts"]
