/**
 * Our side of the Codex bench: the real master (`csc master`) and one real node (`csc node`, the
 * Codex executor on its own warm app-server), each its own process as in a deployment. A job goes
 * in as `csc job run` sends it (POST /api/jobs, then the log stream until its end).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HttpClient } from './http-client.js';
import type { PipelineTarget } from './jobs-spec.js';
import { readCpuSec } from './proc.js';
import { ROOT, awaitOutput, launch, makeDataDir, masterEnv, pipelineNodeArgs, removeDataDir, superviseServer } from './processes.js';
import { SseFollower } from './sse-follower.js';
import { sleep } from './stats.js';

/** The banner's two addresses, printed once both ports listen. */
const MASTER_READY = /Dashboard:\s+http:\/\/127\.0\.0\.1:(\d+)\/.*\n\s*Nodes:\s+ws:\/\/127\.0\.0\.1:(\d+)/;
const NODE_NAME = 'bench-codex';
/** Covers the node's start-up: spawning Codex, `--version`, then connecting. */
const NODE_READY_TIMEOUT_MS = 20_000;
const LOGGING = ['--log-level', 'warn', '--log-format', 'json'];
/** `csc node`'s settings (src/config/node-config.ts); Node.js's own NODE_* variables stay. */
const NODE_SETTINGS = /^NODE_(NAME|TAGS|SLOTS|WORKDIR|ALLOW_\w+|CODEX_\w+)$/;

export interface CodexPipeline {
  /** Runs one job to its end; resolves with the wall time from sending the POST to the stream's end. */
  runJob(prompt: string): Promise<number>;
  /** CPU seconds the master and the node processes have used so far (Codex's own process excluded). */
  cpuSec(): number;
  stop(): Promise<void>;
}

interface Job {
  id: number;
  status: string;
  error?: string;
}

/**
 * The environment of the node and so of its Codex (and of the directly driven Codex, so both run
 * commands alike): no csc settings from the caller's shell (flags set ours), plus Codex's own.
 */
export function codexSideEnv(codexEnv: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.entries(masterEnv()).filter(([key]) => !NODE_SETTINGS.test(key));
  return { ...Object.fromEntries(inherited), ...codexEnv };
}

export async function startCodexPipeline(options: { workdir: string; codexEnv: Record<string, string> }): Promise<CodexPipeline> {
  const dataDir = makeDataDir();
  const masterCli = [join(ROOT, 'bin', 'csc.js'), 'master', '--port', '0', '--http-port', '0', '--data-dir', dataDir, ...LOGGING];
  // cwd is the fresh data dir so that a developer's .env in the repository cannot change the setup.
  const master = launch([...pipelineNodeArgs(), ...masterCli], { cwd: dataDir, env: masterEnv() });
  const masterServer = superviseServer('the master', master, () => removeDataDir(dataDir));
  const match = await awaitOutput(master, MASTER_READY, 'the master');
  const nodeCli = [join(ROOT, 'bin', 'csc.js'), 'node', '--port', String(match[2]), '--data-dir', dataDir, '--name', NODE_NAME, '--slots', '1', '--workdir', options.workdir];
  const node = launch([...pipelineNodeArgs(), ...nodeCli, ...LOGGING], { cwd: dataDir, env: codexSideEnv(options.codexEnv) });
  const nodeServer = superviseServer('the node', node, () => undefined);
  const target: PipelineTarget = {
    httpUrl: `http://127.0.0.1:${match[1]}`,
    wsUrl: `ws://127.0.0.1:${match[2]}`,
    adminToken: readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(),
    nodeToken: '',
    pid: master.process.pid ?? -1,
  };
  const http = new HttpClient(target.httpUrl, target.adminToken, 1);
  const crashed = Promise.race([masterServer.crashed, nodeServer.crashed]);
  const stop = async (): Promise<void> => {
    http.close();
    await nodeServer.stop();
    await masterServer.stop();
  };
  try {
    await Promise.race([waitForNode(http), crashed]);
  } catch (error) {
    await stop();
    throw error;
  }
  const pids = [master.process.pid ?? -1, node.process.pid ?? -1];
  return {
    runJob: (prompt) => Promise.race([runJob(http, target, prompt), crashed]),
    cpuSec: () => pids.reduce((sum, pid) => sum + readCpuSec(pid), 0),
    stop,
  };
}

/** The node is ready once the master lists it with the Codex executor (it registers after Codex started). */
async function waitForNode(http: HttpClient): Promise<void> {
  const deadline = performance.now() + NODE_READY_TIMEOUT_MS;
  for (;;) {
    const { body } = await http.request('GET', '/api/nodes');
    const { nodes } = JSON.parse(body) as { nodes: { name: string; capabilities?: { executors?: string[] } }[] };
    if (nodes.some((n) => n.name === NODE_NAME && n.capabilities?.executors?.includes('codex'))) return;
    if (performance.now() > deadline) throw new Error(`the node did not register with the Codex executor in ${NODE_READY_TIMEOUT_MS} ms`);
    await sleep(50);
  }
}

async function runJob(http: HttpClient, target: PipelineTarget, prompt: string): Promise<number> {
  const body = JSON.stringify({ prompt, node: NODE_NAME, profile: { sandbox: 'workspace-write', approvalPolicy: 'never' }, origin: 'cli' });
  const started = performance.now();
  const created = await http.request('POST', '/api/jobs', body);
  if (created.status !== 201) throw new Error(`POST /api/jobs answered ${created.status}: ${created.body}`);
  const { id } = JSON.parse(created.body) as Job;
  const follower = new SseFollower(target, id);
  try {
    await follower.ended;
  } finally {
    follower.close();
  }
  const elapsed = performance.now() - started;
  // Checked after the clock stopped: a job that failed fast must not pass for a fast job.
  const job = JSON.parse((await http.request('GET', `/api/jobs/${id}`)).body) as Job;
  if (job.status !== 'succeeded') throw new Error(`job ${id} ended ${job.status}: ${job.error ?? ''}`);
  return elapsed;
}
