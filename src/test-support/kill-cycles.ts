import { setTimeout as sleep } from 'node:timers/promises';
import type { NodeWorker } from '../node/index.js';
import { allFinal, apiOf, auditDelivery, storedEvents, type Api, type DeliveryAudit } from './delivery-audit.js';
import { seededRandom, type FaultFigures } from './fault-figures.js';
import { startFaultNode } from './fault-node.js';
import { MasterProcess } from './master-process.js';
import { StreamExecutor, streamPrompt, type StreamSpec } from './stream-executor.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait.js';

export interface KillCyclesOptions {
  cycles: number;
  /** Jobs created at the start of each cycle, so that every kill lands while jobs stream. */
  jobsPerCycle: number;
  /** What each job streams; its length should outlast `maxKillDelayMs`. */
  job: StreamSpec;
  slots: number;
  /** The kill comes a random 0..this ms after the cycle's stream has begun. */
  maxKillDelayMs: number;
  seed: number;
  /** Bound for each recovery and for the final drain. */
  timeoutMs: number;
  /** Progress lines (one per cycle). */
  log?: (line: string) => void;
}

export interface KillCyclesResult {
  figures: FaultFigures;
  problems: string[];
  /** Kills that found no run streaming on the node: they prove less, so the caller may insist on none. */
  idleKills: number;
}

const CREATE_TIMEOUT_MS = 10_000;

/**
 * SIGKILLs the master (`bin/csc.js master`) at random moments while an in-process node streams,
 * `cycles` times, restarting it each time on the same data dir and ports; then waits for every job
 * to end and audits delivery. Recovery is timed from each kill until the store grows again.
 */
export async function runKillCycles(options: KillCyclesOptions): Promise<KillCyclesResult> {
  const began = performance.now();
  const random = seededRandom(options.seed);
  const master = await MasterProcess.start({ dataDir: tempDir('csc-kill-cycles-'), env: { MASTER_JOB_REQUEUE_GRACE: '30' } });
  const api = apiOf(master);
  const executor = new StreamExecutor();
  const node = startFaultNode(master.wsUrl, master.nodeToken(), { name: 'kill-cycles', executor, slots: options.slots });
  const created: number[] = [];
  const recoveryMs: number[] = [];
  let idleKills = 0;
  try {
    await waitFor(() => node.agent.connected, 'the node to connect', CREATE_TIMEOUT_MS);
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      const ids = await createJobs(api, options.jobsPerCycle, options.job);
      created.push(...ids);
      await waitFor(() => streaming(executor) > 0, `cycle ${cycle}: a job to stream`, options.timeoutMs);
      await sleep(random() * options.maxKillDelayMs);
      const streamingAtKill = streaming(executor);
      if (streamingAtKill === 0) idleKills++;
      const killedAt = performance.now();
      await master.restart();
      const restartMs = master.readyAt - killedAt;
      const recovered = await recovery(api, node, created, options.timeoutMs, cycle);
      recoveryMs.push(recovered - killedAt);
      options.log?.(`cycle ${cycle}: killed with ${streamingAtKill} runs streaming; master back in ${restartMs.toFixed(0)} ms, delivery in ${(recovered - killedAt).toFixed(0)} ms`);
    }
    await waitFor(async () => allFinal(api, created), `all ${created.length} jobs to end`, options.timeoutMs);
    const audit: DeliveryAudit = await auditDelivery(api, created.map((id) => ({ id, events: options.job.events })), executor.runs);
    const figures = { scenario: 'master SIGKILL', cycles: options.cycles, recoveryMs, wallMs: performance.now() - began, ...audit.figures };
    return { figures, problems: audit.problems, idleKills };
  } finally {
    await node.agent.stop();
    await master.kill();
  }
}

/** Runs on the node that have begun and not ended. */
function streaming(executor: StreamExecutor): number {
  return executor.runs.filter((run) => run.outcome === 'running' && run.emitted > 0).length;
}

async function createJobs(api: Api, count: number, job: StreamSpec): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: streamPrompt(job) }) });
    if (response.status !== 201) throw new Error(`POST /api/jobs: HTTP ${response.status}: ${await response.text()}`);
    ids.push(((await response.json()) as { id: number }).id);
  }
  return ids;
}

/** When delivery went on after a restart: the node is back and the store grew (or nothing was left to deliver). */
async function recovery(api: Api, node: NodeWorker, created: readonly number[], timeoutMs: number, cycle: number): Promise<number> {
  const before = await storedEvents(api);
  await waitFor(() => node.agent.connected, `cycle ${cycle}: the node to reconnect`, timeoutMs);
  await waitFor(async () => (await storedEvents(api)) > before || (await allFinal(api, created)), `cycle ${cycle}: delivery to go on after the restart`, timeoutMs);
  return performance.now();
}
