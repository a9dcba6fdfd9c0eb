/**
 * The pipelines the jobs bench compares, each its own process with a fresh store:
 * - `master`: the real master (`csc master`, as the hub bench starts it) as shipped, which syncs
 *   every commit (`MASTER_SQLITE_SYNC=full`);
 * - `normal`: the same with `MASTER_SQLITE_SYNC=normal`, so the run shows what durability costs;
 * - `bare`: the bare baseline (bench/bare-pipeline.ts, synchronous=NORMAL like `normal`);
 * - `keyed`: `master` with an `Idempotency-Key` on every POST, for what idempotent creates cost;
 * - `postgres`: the master as shipped with `MASTER_DATABASE_URL` on a fresh database of the bench's
 *   PostgreSQL server (bench/bench-postgres.ts: durable commits, as `full` is);
 * - `postgres2`: two such masters on one fresh database (README "Several masters": own data dirs
 *   and ports, `MASTER_NAME` a and b, the same node and admin tokens); the target lists the second
 *   as a peer, and the client spreads the creates, the nodes and their slots over both;
 * - `before`: `master` built from a git ref (bench/baseline-master.ts), for the same-run ratio
 *   master/before.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BaselineCheckout } from './baseline-master.js';
import type { BenchPostgres } from './bench-postgres.js';
import type { JobsResult, JobsSpec, PipelineTarget } from './jobs-spec.js';
import {
  BENCH_DIR,
  ROOT,
  awaitOutput,
  launch,
  makeDataDir,
  masterEnv,
  pipelineNodeArgs,
  removeDataDir,
  runScript,
  superviseServer,
  type Child,
} from './processes.js';

export type PipelineKind = 'master' | 'normal' | 'bare' | 'keyed' | 'postgres' | 'postgres2' | 'before';
/** Every pipeline, in the order the tables show them. */
export const ALL_PIPELINES: readonly PipelineKind[] = ['master', 'normal', 'bare', 'keyed', 'postgres', 'postgres2', 'before'];
/** The `MASTER_NAME`s of `postgres2`'s masters, in the target's order. */
export const SHARED_MASTER_NAMES = ['a', 'b'] as const;

/** What pipelines share across the run: started once by bench/jobs-setup.ts when one needs it. */
export interface PipelineResources {
  postgres?: BenchPostgres;
  baseline?: BaselineCheckout;
}

export interface RunningPipeline {
  kind: PipelineKind;
  target: PipelineTarget;
  /** Runs a client process (bench node + load generator) against this pipeline. */
  run(spec: JobsSpec): Promise<JobsResult>;
  /**
   * CPU seconds used so far by the processes that serve this pipeline besides `target.pid` (the
   * client counts that one alone): the PostgreSQL server. Absent when there are none.
   */
  serverCpuSec?: () => number;
  /** Rejects when the pipeline's process exits before `stop()`. */
  crashed: Promise<never>;
  stop(): Promise<void>;
}

/** The banner's two addresses, printed once both ports listen. */
const MASTER_READY = /Dashboard:\s+http:\/\/127\.0\.0\.1:(\d+)\/.*\n\s*Nodes:\s+ws:\/\/127\.0\.0\.1:(\d+)/;
/** The banner's store line (`Store: SQLite /…/master.db (schema 10)`); masters before issue 19 print none. */
const STORE_LINE = /\n\s*Store:\s+(\S+)/;
const CLI = join(ROOT, 'bin', 'csc.js');

interface MasterLaunch {
  kind: PipelineKind;
  /** The `bin/csc.js` to run: this repository's, or the baseline checkout's. */
  cli: string;
  /** MASTER_* settings over a clean environment. */
  env: Record<string, string>;
  /** The engine the banner must name, so that a master that ignored MASTER_DATABASE_URL is not measured as PostgreSQL. */
  engine: 'SQLite' | 'PostgreSQL';
  idempotencyKeys?: boolean;
}

async function launchMaster(options: MasterLaunch): Promise<RunningPipeline> {
  const dataDir = makeDataDir();
  const cli = [options.cli, 'master', '--port', '0', '--http-port', '0', '--data-dir', dataDir];
  const logging = ['--log-level', 'warn', '--log-format', 'json'];
  // cwd is the fresh data dir so that a developer's .env in the repository cannot change the setup.
  const child = launch([...pipelineNodeArgs(), ...cli, ...logging], { cwd: dataDir, env: { ...masterEnv(), ...options.env } });
  const match = await awaitOutput(child, MASTER_READY, `the ${options.kind} master`);
  // Tokens given in the environment (`postgres2`'s, shared) are used as they are; the master generates the others.
  const secret = (file: string): string => readFileSync(join(dataDir, file), 'utf8').trim();
  const target = {
    httpUrl: `http://127.0.0.1:${match[1]}`,
    wsUrl: `ws://127.0.0.1:${match[2]}`,
    adminToken: options.env.MASTER_ADMIN_TOKEN ?? secret('admin-token'),
    nodeToken: options.env.MASTER_TOKEN ?? secret('master-token'),
    pid: child.process.pid ?? -1,
    idempotencyKeys: options.idempotencyKeys === true,
  };
  const pipeline = supervise(options.kind, child, target, () => removeDataDir(dataDir));
  try {
    await checkEngine(child, options);
  } catch (error) {
    await pipeline.stop();
    throw error;
  }
  return pipeline;
}

/** A PostgreSQL master must name its store; a SQLite one may be older than the store line. */
async function checkEngine(child: Child, options: MasterLaunch): Promise<void> {
  const what = `the ${options.kind} master`;
  const engine = options.engine === 'PostgreSQL' ? (await awaitOutput(child, STORE_LINE, `${what}'s store line`))[1] : STORE_LINE.exec(child.stdout())?.[1];
  if (engine !== undefined && engine !== options.engine) throw new Error(`${what} runs on ${engine}, not ${options.engine}:\n${child.stdout()}`);
}

async function startBare(): Promise<RunningPipeline> {
  const dataDir = makeDataDir();
  const adminToken = randomBytes(16).toString('hex');
  const child = launch([...pipelineNodeArgs(), '--import', 'tsx', join(BENCH_DIR, 'bare-pipeline.ts'), dataDir, adminToken], { cwd: ROOT });
  const match = await awaitOutput(child, /"port":(\d+)/, 'the bare pipeline');
  const address = `127.0.0.1:${match[1]}`;
  const target = { httpUrl: `http://${address}`, wsUrl: `ws://${address}`, adminToken, nodeToken: 'unchecked', pid: child.process.pid ?? -1 };
  return supervise('bare', child, target, () => removeDataDir(dataDir));
}

/** What a master of `masters` sharing one database gets besides its URL: none for one alone. */
function sharedSettings(masters: number): Array<Record<string, string>> {
  if (masters === 1) return [{}];
  const tokens = { MASTER_TOKEN: `node-${randomBytes(18).toString('hex')}`, MASTER_ADMIN_TOKEN: `admin-${randomBytes(18).toString('hex')}` };
  return SHARED_MASTER_NAMES.slice(0, masters).map((name) => ({ ...tokens, MASTER_NAME: name }));
}

/**
 * The master as shipped, one (`postgres`) or two (`postgres2`) on a database of their own, dropped
 * once they have stopped. The first master's target lists the others as its peers.
 */
async function startPostgres(kind: 'postgres' | 'postgres2', postgres: BenchPostgres): Promise<RunningPipeline> {
  const database = await postgres.createDatabase();
  const masters: RunningPipeline[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(masters.map((master) => master.stop()));
    await database.drop();
  };
  try {
    // One at a time, so that their migrations do not wait on each other's lock.
    for (const env of sharedSettings(kind === 'postgres' ? 1 : 2)) {
      masters.push(await launchMaster({ kind, cli: CLI, env: { MASTER_DATABASE_URL: database.url, ...env }, engine: 'PostgreSQL' }));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const [first, ...others] = masters as [RunningPipeline, ...RunningPipeline[]];
  const peers = others.map(({ target }) => ({ httpUrl: target.httpUrl, wsUrl: target.wsUrl, pid: target.pid }));
  const crashed = Promise.race(masters.map((master) => master.crashed));
  // Reported through the run that races against it, as each master's own.
  crashed.catch(() => undefined);
  return {
    ...first,
    target: peers.length === 0 ? first.target : { ...first.target, peers },
    run: (spec) => Promise.race([first.run(spec), crashed]),
    crashed,
    serverCpuSec: () => postgres.cpuSec(),
    stop,
  };
}

function supervise(kind: PipelineKind, child: Child, target: PipelineTarget, cleanUp: () => void): RunningPipeline {
  const server = superviseServer(`the ${kind} pipeline`, child, cleanUp);
  return {
    kind,
    target,
    run: (spec) => Promise.race([runScript<JobsResult>('jobs-client.ts', spec, 'the jobs client'), server.crashed]),
    crashed: server.crashed,
    stop: server.stop,
  };
}

function needed<T>(resource: T | undefined, kind: PipelineKind): T {
  if (resource === undefined) throw new Error(`the ${kind} pipeline was not prepared (bench/jobs-setup.ts)`);
  return resource;
}

export function startPipeline(kind: PipelineKind, resources: PipelineResources): Promise<RunningPipeline> {
  const sqlite = (sync: 'full' | 'normal'): Record<string, string> => ({ MASTER_SQLITE_SYNC: sync });
  switch (kind) {
    case 'bare':
      return startBare();
    case 'master':
    case 'normal':
      return launchMaster({ kind, cli: CLI, env: sqlite(kind === 'normal' ? 'normal' : 'full'), engine: 'SQLite' });
    case 'keyed':
      return launchMaster({ kind, cli: CLI, env: sqlite('full'), engine: 'SQLite', idempotencyKeys: true });
    case 'postgres':
    case 'postgres2':
      return startPostgres(kind, needed(resources.postgres, kind));
    case 'before':
      return launchMaster({ kind, cli: needed(resources.baseline, kind).cli, env: sqlite('full'), engine: 'SQLite' });
  }
}
