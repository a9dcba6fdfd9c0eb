import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SECRET_FILES, ensureDataDir, loadOrCreateSecret, type LoadedSecret, type MasterConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { PACKAGE_ROOT, VERSION } from '../paths.js';
import { createHttpApp } from './http/index.js';
import { BridgeRequests, Hub } from './hub/index.js';
import { JobService } from './jobs/index.js';
import { listen, type ListenAddress } from './listen.js';
import { RemoteNodeService } from './remote-nodes/index.js';
import { SettingsService } from './settings/index.js';
import { SqliteStore, type Store } from './store/index.js';
import { WsServer } from './ws-server.js';

/** A running master. */
export interface Master {
  hub: Hub;
  jobs: JobService;
  store: Store;
  /** The bridge settings saved from the dashboard; bridges subscribe to pick changes up at once. */
  settings: SettingsService;
  remoteNodes: RemoteNodeService;
  ws: ListenAddress;
  http: ListenAddress;
  nodeToken: LoadedSecret;
  adminToken: LoadedSecret;
  /** Closes sockets with 1001, stops listening and flushes and closes the store. Idempotent. */
  close(): Promise<void>;
}

export interface StartMasterOptions {
  /** Where the built dashboard is; defaults to the package's `frontend/dist`. */
  dashboardDir?: string;
}

/** Starts the hub, the WebSocket port and the HTTP API on one store. */
export async function startMaster(config: MasterConfig, log: Logger, options: StartMasterOptions = {}): Promise<Master> {
  ensureDataDir(config.dataDir);
  const nodeToken = loadOrCreateSecret(config.dataDir, SECRET_FILES.nodeToken, config.token);
  const adminToken = loadOrCreateSecret(config.dataDir, SECRET_FILES.adminToken, config.adminToken);
  const store = new SqliteStore(config.dataDir, log);
  const hub = new Hub({ ...config, serverVersion: VERSION }, store, log);
  const jobs = new JobService(
    store.jobs,
    hub,
    {
      maxAttempts: config.jobs.maxAttempts,
      defaultTimeoutSec: config.jobs.defaultTimeoutSec,
      requeueGraceMs: config.jobs.requeueGraceSec * 1000,
      cancelWaitMs: config.jobs.cancelWaitSec * 1000,
    },
    log,
  );
  hub.attachJobs(jobs);
  jobs.recover();
  const settings = new SettingsService(store, log);
  const startedAt = new Date();
  const bridgeSink = { send: hub.sendTo.bind(hub), nodes: () => hub.listNodes() };
  hub.attachBridges(new BridgeRequests(bridgeSink, jobs, settings, { version: VERSION, startedAt, allowLocalRepos: config.jobs.allowLocalRepos }, log));
  const remoteNodes = new RemoteNodeService(store, config.remoteDefaultTags, log);
  const wsServer = new WsServer({ ...config, token: nodeToken.value }, hub, log);
  let app: FastifyInstance | undefined;
  try {
    const ws = await wsServer.listen();
    app = await createHttpApp(
      {
        adminToken: adminToken.value,
        dashboardDir: options.dashboardDir ?? join(PACKAGE_ROOT, 'frontend', 'dist'),
        bodyLimitBytes: config.maxPayloadBytes,
        version: VERSION,
        startedAt,
        allowLocalRepos: config.jobs.allowLocalRepos,
      },
      { hub, jobs, store, settings, remoteNodes, log },
    );
    await app.ready();
    const http = await listen(app.server, config.httpHost, config.httpPort);
    log.info({ ws: `${ws.host}:${ws.port}`, http: `${http.host}:${http.port}`, dataDir: config.dataDir }, 'master listening');
    return { hub, jobs, store, settings, remoteNodes, ws, http, nodeToken, adminToken, close: once(() => shutdown(hub, jobs, wsServer, app, store)) };
  } catch (error) {
    await shutdown(hub, jobs, wsServer, app, store);
    throw error;
  }
}

async function shutdown(hub: Hub, jobs: JobService, wsServer: WsServer, app: FastifyInstance | undefined, store: Store): Promise<void> {
  jobs.close();
  await hub.close();
  await Promise.allSettled([wsServer.close(), app?.close()]);
  store.close();
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
