import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ConfigError, DEFAULT_LEASE_SEC, SECRET_FILES, defaultMasterName, ensureDataDir, loadOrCreateSecret, type LoadedSecret, type MasterConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { PACKAGE_ROOT, VERSION } from '../paths.js';
import { CredentialService, SessionCookies } from './auth/index.js';
import { clearTextWarning } from './clear-text.js';
import { MasterNames, NodeDirectory, createHttpApp, type RouteEntry } from './http/index.js';
import { BridgeRequests } from './bridges/index.js';
import { createFleet, type Fleet } from './fleet/index.js';
import { Hub, NodePublishing } from './hub/index.js';
import type { JobService } from './jobs/index.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { createJobServices, type JobServices } from './job-services.js';
import { listen, type ListenAddress } from './listen.js';
import { Sweeper } from './maintenance/index.js';
import { Health, MasterMetrics } from './metrics/index.js';
import { loadProfilesFile, type ProfilesFile } from './profiles/index.js';
import { RemoteNodeService } from './remote-nodes/index.js';
import { SettingsService } from './settings/index.js';
import { describeStore, type Store } from './store/index.js';
import { openStore } from './store/open-store.js';
import { WsServer } from './ws-server.js';

/** A running master. */
export interface Master {
  hub: Hub;
  /** This master among those sharing its store (`shared` false: alone, as on SQLite). */
  fleet: Fleet;
  jobs: JobService;
  /** Profiles, usage and budgets, attachments, and the intake every job request goes through. */
  services: JobServices;
  store: Store;
  /** The bridge settings saved from the dashboard; bridges subscribe to pick changes up at once. */
  settings: SettingsService;
  remoteNodes: RemoteNodeService;
  ws: ListenAddress;
  http: ListenAddress;
  /** Every HTTP route and who may call it (Fastify's route table, as the access hook applies it). */
  httpRoutes: readonly RouteEntry[];
  /** Whether both ports serve TLS (`wss://`, `https://`), from `--tls-cert` / `--tls-key`. */
  tls: boolean;
  /** Per-machine credentials (`csc token`) and the shared ones. */
  credentials: CredentialService;
  nodeToken: LoadedSecret;
  bridgeToken: LoadedSecret;
  adminToken: LoadedSecret;
  /** Retention and delta folding of finished jobs, sweeping every minute (`sweep()` runs one now). */
  sweeper: Sweeper;
  /** Closes sockets with 1001, stops listening and flushes and closes the store. Idempotent. */
  close(): Promise<void>;
}

export interface StartMasterOptions {
  /** Where the built dashboard is; defaults to the package's `frontend/dist`. */
  dashboardDir?: string;
}

/**
 * Starts the hub, the WebSocket port and the HTTP API on one store, holding the data dir's lock
 * (`master.lock`) from before the store opens until after it has closed: two masters on one data
 * dir would share its files (SQLite's database among them). Masters share a PostgreSQL store
 * through its fleet (`createFleet`), each with a data dir of its own.
 */
export async function startMaster(config: MasterConfig, log: Logger, options: StartMasterOptions = {}): Promise<Master> {
  ensureDataDir(config.dataDir);
  const lock = acquireDataDirLock(config.dataDir, 'master');
  try {
    const master = await startOnDataDir(config, log, options);
    // Bound now: the original close, before the one below replaces it.
    const closeUnlocked = master.close.bind(master);
    return Object.assign(master, { close: once(() => closeUnlocked().finally(() => lock.release())) });
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startOnDataDir(config: MasterConfig, log: Logger, options: StartMasterOptions): Promise<Master> {
  const secrets = loadSecrets(config);
  // Before the store opens: a bad profiles file stops the start with nothing to close.
  const profilesFile = config.profilesFile === undefined ? undefined : loadProfilesFile(config.profilesFile);
  const store = await openStore(config, log);
  logStore(store, log);
  const running: Running = {};
  try {
    const core = await startCore(config, profilesFile, store, secrets, running, log);
    const { ws, http, routes } = await serve(config, options, core, store, secrets, running, log);
    const { hub, fleet, jobs, services, sweeper, settings, remoteNodes, credentials } = core;
    return { hub, fleet, jobs, services, store, sweeper, settings, remoteNodes, credentials, ws, http, tls: config.tls !== undefined, httpRoutes: routes, ...secrets, close: once(() => shutdown(running, store)) };
  } catch (error) {
    await shutdown(running, store).catch((closing: unknown) => log.warn({ err: closing }, 'the master did not stop cleanly after a failed start'));
    throw error;
  }
}

/** What runs on the store once it is open; the ports come after (`serve`). */
interface Core {
  hub: Hub;
  fleet: Fleet;
  /** Every node on a master sharing the store (this one's alone). */
  nodes: NodeDirectory;
  jobs: JobService;
  services: JobServices;
  sweeper: Sweeper;
  settings: SettingsService;
  remoteNodes: RemoteNodeService;
  credentials: CredentialService;
  metrics: MasterMetrics;
  health: Health;
  startedAt: Date;
}

/** What a shutdown has to stop: whatever a start had made when it stopped or failed. */
interface Running {
  hub?: Hub;
  fleet?: Fleet;
  publishing?: NodePublishing;
  jobs?: JobService;
  sweeper?: Sweeper;
  wsServer?: WsServer;
  app?: FastifyInstance;
}

/** The hub, the job layer and the services, with what each reads once from the store loaded before anything runs. */
async function startCore(config: MasterConfig, profilesFile: ProfilesFile | undefined, store: Store, secrets: Secrets, running: Running, log: Logger): Promise<Core> {
  const name = masterName(config);
  const leaseMs = (config.leaseSec ?? DEFAULT_LEASE_SEC) * 1000;
  // An owner that cannot answer another master within a lease is dead or cut off: its jobs are about to be taken over.
  const fleet = (running.fleet = createFleet(store, { name, leaseMs, askTimeoutMs: leaseMs, log }));
  const credentials = new CredentialService({ admin: secrets.adminToken.value, node: secrets.nodeToken.value, bridge: secrets.bridgeToken.value }, store, log, fleet.config);
  const hub = (running.hub = new Hub({ ...config, serverVersion: VERSION }, store, log));
  const services = createJobServices(config, profilesFile, store, hub, log, fleet);
  const { jobs } = services;
  running.jobs = jobs;
  hub.attachJobs(jobs);
  // Registered, and hearing the others, before the jobs and the configuration are read: what they change meanwhile is not missed.
  await fleet.start();
  const [settings] = await Promise.all([SettingsService.open(store, log, fleet.config), jobs.recover(), services.usage.load(), credentials.load()]);
  // Alone, nobody hears of this master's nodes: nothing is built or written per change.
  if (fleet.shared) running.publishing = new NodePublishing(hub, jobs, fleet);
  const nodes = nodeDirectory(hub, jobs, fleet, store, name, log);
  const sweeper = (running.sweeper = new Sweeper(store.maintenance, log, { retention: config.retention }));
  sweeper.start();
  const { metrics, health } = watch(hub, nodes, jobs, store);
  const startedAt = new Date();
  const bridgeSink = { send: hub.sendTo.bind(hub), nodes: () => nodes.listed() };
  hub.attachBridges(new BridgeRequests(bridgeSink, services, settings, { version: VERSION, startedAt, allowLocalRepos: config.jobs.allowLocalRepos }, log));
  const remoteNodes = new RemoteNodeService(store, config.remoteDefaultTags, log, fleet.config);
  credentials.onRevoked((name) => hub.dropCredential(name));
  return { hub, fleet, nodes, jobs, services, sweeper, settings, remoteNodes, credentials, metrics, health, startedAt };
}

/** `MASTER_NAME`, or `host:port` of the WebSocket (a config made in code may leave it out). */
function masterName(config: MasterConfig): string {
  return config.name ?? defaultMasterName(config.host, config.port);
}

/** The node lists' sources: the hub's nodes and, on a shared store, the other masters' with their names. */
function nodeDirectory(hub: Hub, jobs: JobService, fleet: Fleet, store: Store, name: string, log: Logger): NodeDirectory {
  const shared = store.fleet;
  if (!fleet.shared || !shared) return new NodeDirectory(hub, jobs);
  const names = new MasterNames(() => shared.members(), { id: fleet.masterId, name }, log);
  return new NodeDirectory(hub, jobs, { fleet, names, name });
}

/** Opens the WebSocket port and the HTTP API on the core. */
async function serve(config: MasterConfig, options: StartMasterOptions, core: Core, store: Store, secrets: Secrets, running: Running, log: Logger): Promise<{ ws: ListenAddress; http: ListenAddress; routes: readonly RouteEntry[] }> {
  const { hub, fleet, nodes, jobs, services, settings, remoteNodes, credentials, metrics, health, startedAt } = core;
  const wsServer = (running.wsServer = new WsServer(config, credentials, hub, log));
  const ws = await wsServer.listen();
  const app = (running.app = await createHttpApp(
    {
      adminToken: secrets.adminToken.value,
      dashboardDir: options.dashboardDir ?? join(PACKAGE_ROOT, 'frontend', 'dist'),
      bodyLimitBytes: config.maxPayloadBytes,
      version: VERSION,
      startedAt,
      allowLocalRepos: config.jobs.allowLocalRepos,
      tls: config.tls,
      metricsPublic: config.metricsPublic ?? false,
    },
    { hub, nodes, jobs, services, store, settings, remoteNodes, credentials, sessions: new SessionCookies(secrets.adminToken.value, config.tls !== undefined), metrics, health, log },
  ));
  await app.ready();
  const http = await listen(app.server, config.httpHost, config.httpPort);
  const tls = config.tls !== undefined;
  const name = masterName(config);
  const alone = fleet.shared ? 'sharing its store with the other masters on it' : 'alone on its store';
  log.info({ master: name, masterId: fleet.masterId, sharedStore: fleet.shared, ws: `${ws.host}:${ws.port}`, http: `${http.host}:${http.port}`, tls, dataDir: config.dataDir }, `master listening as ${JSON.stringify(name)}, ${alone}`);
  const clearText = clearTextWarning({ host: config.host, httpHost: config.httpHost, tls });
  if (clearText !== undefined) log.warn(clearText);
  return { ws, http, routes: app.routeTable };
}

/** Says which store the master uses, and what its opening migrated: the first thing an operator checks. */
function logStore(store: Store, log: Logger): void {
  const { identity } = store;
  if (identity.applied.length > 0) {
    log.info({ applied: identity.applied }, `migrated the store from schema ${identity.migratedFrom} to ${identity.schemaVersion}`);
  }
  log.info({ store: { engine: identity.engine, location: identity.location, schemaVersion: identity.schemaVersion } }, `store: ${describeStore(identity)}`);
}

/**
 * The metrics (`/metrics`) and the health judgement (`/api/health`), fed by the hub, the jobs and
 * the store. The metrics count this master's own nodes (each master is scraped); the health looks
 * at every master's, since a node online on any of them takes this master's jobs.
 */
function watch(hub: Hub, nodes: NodeDirectory, jobs: JobService, store: Store): { metrics: MasterMetrics; health: Health } {
  const metrics = new MasterMetrics({ nodes: () => hub.listNodes(), unfinished: jobs.unfinished, store: store.jobs, version: VERSION });
  hub.observe(metrics);
  jobs.subscribe(metrics.jobs.onUpdate);
  store.observeCommits(metrics.commitTook);
  return { metrics, health: new Health(() => nodes.infos(), store) };
}

/** The shared credentials, as loaded. */
interface Secrets {
  nodeToken: LoadedSecret;
  bridgeToken: LoadedSecret;
  adminToken: LoadedSecret;
}

/**
 * The three shared credentials. Each grants one role, so no two may be the same secret: a bridge
 * token that is also the node token would give every node the chat platforms' tokens.
 */
function loadSecrets(config: MasterConfig): Secrets {
  const nodeToken = loadOrCreateSecret(config.dataDir, SECRET_FILES.nodeToken, config.token);
  const bridgeToken = loadOrCreateSecret(config.dataDir, SECRET_FILES.bridgeToken, config.bridgeToken);
  const adminToken = loadOrCreateSecret(config.dataDir, SECRET_FILES.adminToken, config.adminToken);
  const named = [
    ['MASTER_TOKEN', nodeToken],
    ['MASTER_BRIDGE_TOKEN', bridgeToken],
    ['MASTER_ADMIN_TOKEN', adminToken],
  ] as const;
  for (const [i, [key, secret]] of named.entries()) {
    const twin = named.slice(i + 1).find(([, other]) => other.value === secret.value);
    if (twin) throw new ConfigError(key, `must differ from ${twin[0]}: each credential grants a different role`);
  }
  return { nodeToken, bridgeToken, adminToken };
}

async function shutdown(running: Running, store: Store): Promise<void> {
  // Timers first: nodes the hub now drops must not arm re-queue timers that outlive the store.
  await running.sweeper?.stop();
  running.publishing?.close();
  running.jobs?.close();
  await running.hub?.close();
  await Promise.allSettled([running.wsServer?.close(), running.app?.close()]);
  try {
    // Once its nodes are gone (to the other masters, which adopt their jobs): its lease ends now,
    // and what is left out is theirs to take over at once.
    await running.fleet?.close();
  } finally {
    await store.close();
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}
