# Codex Super Client in one image: `csc master` by default; compose.yaml runs a node and the bridge
# from the same image with another command. Built from this repository: the build stage makes the
# npm package (`npm pack`, as published) and installs it without dev dependencies, so the image
# holds what a user's `npm install -g` would, plus Codex for the node.
# No container engine was available where this was written: the file is checked by
# test/services.test.ts (sources, stages, commands), not built there.

FROM node:20-bookworm-slim AS build
# better-sqlite3 compiles its addon when no prebuilt one can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifests first, so that a change in the sources reuses the installed dependencies' layer.
COPY package.json package-lock.json ./
COPY frontend/package.json frontend/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm pack --ignore-scripts --pack-destination /pkg
# Codex is a dev dependency of the project (its tests run it) but the node's engine at run time:
# the same version, installed beside the package, where the node looks for it first. A compiled
# better-sqlite3 takes Node's headers from the image (/usr/local/include/node), not a download.
RUN npm_config_nodedir=/usr/local npm install --global --prefix /opt/csc --omit=dev --no-audit --no-fund \
      /pkg/codex-super-client-*.tgz @openai/codex@0.171.0

FROM node:20-bookworm-slim
# git for the nodes' checkouts, bubblewrap for Codex's sandbox (Codex prefers the system's over the
# copy it bundles), CA certificates for git and Codex over https.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git bubblewrap ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Not root: a job runs with this user's rights. /data is the data dir (a volume: the master's store
# and tokens, or a node's journal and checkouts), /work where a node runs jobs without a repository,
# ~/.codex Codex's login (compose.yaml gives the node a volume there). A fresh named volume takes
# these directories' owner and mode from the image.
RUN groupadd --system --gid 10001 csc \
 && useradd --system --uid 10001 --gid csc --home-dir /home/csc --create-home --shell /usr/sbin/nologin csc \
 && mkdir -p /data /work /home/csc/.codex \
 && chown csc:csc /data /work /home/csc/.codex \
 && chmod 0700 /data /home/csc/.codex
COPY --from=build /opt/csc /opt/csc
ENV PATH=/opt/csc/bin:$PATH \
    MASTER_DATA_DIR=/data \
    NODE_WORKDIR=/work \
    LOG_FORMAT=json
USER csc
WORKDIR /home/csc
VOLUME /data
# WebSocket (nodes, bridges) and HTTP (API, dashboard).
EXPOSE 8765 8080
ENTRYPOINT ["csc"]
# Inside a container the master must listen beyond loopback for the other containers; publish
# the ports to the host's loopback only, or serve TLS (README: TLS).
CMD ["master", "--host", "0.0.0.0"]
