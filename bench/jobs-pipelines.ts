/**
 * The pipelines the jobs bench compares, each its own process with a fresh data dir: the real
 * master (`csc master`, as the hub bench starts it) as shipped, which syncs every commit
 * (`MASTER_SQLITE_SYNC=full`); the same with `MASTER_SQLITE_SYNC=normal` (`normal`), so the run
 * shows what durability costs; the bare baseline (bench/bare-pipeline.ts, synchronous=NORMAL like
 * `normal`); and with BENCH_IDEMPOTENCY=1 the master again with an `Idempotency-Key` on every
 * POST (`keyed`), for what idempotent creates cost.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

export type PipelineKind = 'master' | 'normal' | 'bare' | 'keyed';
export const PIPELINES: readonly PipelineKind[] = process.env.BENCH_IDEMPOTENCY === '1' ? ['master', 'normal', 'bare', 'keyed'] : ['master', 'normal', 'bare'];

export interface RunningPipeline {
  kind: PipelineKind;
  target: PipelineTarget;
  /** Runs a client process (bench node + load generator) against this pipeline. */
  run(spec: JobsSpec): Promise<JobsResult>;
  stop(): Promise<void>;
}

/** The banner's two addresses, printed once both ports listen. */
const MASTER_READY = /Dashboard:\s+http:\/\/127\.0\.0\.1:(\d+)\/.*\n\s*Nodes:\s+ws:\/\/127\.0\.0\.1:(\d+)/;

async function startMaster(kind: 'master' | 'normal' | 'keyed'): Promise<RunningPipeline> {
  const dataDir = makeDataDir();
  const cli = [join(ROOT, 'bin', 'csc.js'), 'master', '--port', '0', '--http-port', '0', '--data-dir', dataDir];
  const logging = ['--log-level', 'warn', '--log-format', 'json'];
  // cwd is the fresh data dir so that a developer's .env in the repository cannot change the setup.
  const env = Object.assign(masterEnv(), { MASTER_SQLITE_SYNC: kind === 'normal' ? 'normal' : 'full' });
  const child = launch([...pipelineNodeArgs(), ...cli, ...logging], { cwd: dataDir, env });
  const match = await awaitOutput(child, MASTER_READY, 'the master');
  const secret = (file: string): string => readFileSync(join(dataDir, file), 'utf8').trim();
  const target = {
    httpUrl: `http://127.0.0.1:${match[1]}`,
    wsUrl: `ws://127.0.0.1:${match[2]}`,
    adminToken: secret('admin-token'),
    nodeToken: secret('master-token'),
    pid: child.process.pid ?? -1,
    idempotencyKeys: kind === 'keyed',
  };
  return supervise(kind, child, target, () => removeDataDir(dataDir));
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

function supervise(kind: PipelineKind, child: Child, target: PipelineTarget, cleanUp: () => void): RunningPipeline {
  const server = superviseServer(`the ${kind} pipeline`, child, cleanUp);
  return {
    kind,
    target,
    run: (spec) => Promise.race([runScript<JobsResult>('jobs-client.ts', spec, 'the jobs client'), server.crashed]),
    stop: server.stop,
  };
}

export function startPipeline(kind: PipelineKind): Promise<RunningPipeline> {
  return kind === 'bare' ? startBare() : startMaster(kind);
}
