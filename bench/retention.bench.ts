/**
 * `npm run bench:retention`: dispatch latency while the maintenance sweeper prunes about a million
 * events of old finished jobs (MASTER_RETENTION_DAYS), beside the same master not pruning, in the
 * same run. A data dir is seeded with 50,000 jobs of 20 events that ended 100 days ago; the real
 * master runs on it in this process (so the bench can start a sweep at a chosen moment: the
 * master's own sweeps wait a minute); the jobs bench's client process (bench/jobs-client.ts: the
 * real node worker, jobs POSTed at a fixed rate) measures POST sent → the node's executor starts
 * the job. Phase 1 measures with nothing to prune running; phase 2 starts a sweep as the client's
 * paced jobs begin and measures while it runs. BENCH_QUICK=1 seeds a tenth as much.
 */
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { environmentFrom, resolveMasterConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { startMaster, type Master } from '../src/master/index.js';
import { SqliteStore } from '../src/master/store/index.js';
import type { JobEvent } from '../src/protocol/index.js';
import type { DispatchResult, DispatchSpec } from './jobs-spec.js';
import { makeDataDir, removeDataDir, runBench, runScript } from './processes.js';
import { sleep } from './stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const JOBS = QUICK ? 5_000 : 50_000;
/** Per job: what a Codex job logs, deltas included (not only deltas: folding is not what is measured here). */
const EVENTS: JobEvent[] = [
  { kind: 'started', executor: 'codex' },
  ...Array.from({ length: 4 }, (_, i): JobEvent => ({ kind: 'agent_message_delta', delta: `part ${i} of the plan ` })),
  { kind: 'agent_message', text: 'I will look at the failing test first, then fix the parser.' },
  ...Array.from({ length: 5 }, (_, i): JobEvent[] => [
    { kind: 'command_started', command: `npx vitest run src/parser-${i}.test.ts`, cwd: '/work/repo' },
    { kind: 'command_finished', command: `npx vitest run src/parser-${i}.test.ts`, exitCode: 0, output: 'ok '.repeat(60), durationMs: 812 },
  ]).flat(),
  { kind: 'log', level: 'info', message: 'workspace ready' },
  { kind: 'file_change', changes: [{ path: 'src/parser.ts', kind: 'update', added: 12, removed: 3 }] },
  { kind: 'token_usage', input: 12_000, output: 900, total: 12_900 },
];
const RESULT = { status: 'succeeded' as const, filesChanged: [], commands: [], durationMs: 60_000, finalMessage: 'Fixed.' };
const PER_JOB = EVENTS.length + 1;

/** Like the jobs bench's scenario 1, shorter: the master in this process is warm after phase 1. */
const DISPATCH = { slots: 64, burstWindow: 200, ratePerSec: 100, logs: 10, warmupMs: 500, durationMs: QUICK ? 3000 : 5000 };
const BURST_MS = { cold: 6000, warm: 2000 };

/** Writes the old finished jobs straight into a store the master's migrations made, in one transaction. */
async function seed(dataDir: string): Promise<void> {
  await new SqliteStore(dataDir).close();
  const db = new Database(join(dataDir, 'master.db'));
  const ended = new Date(Date.now() - 100 * 86_400_000).toISOString();
  const job = db.prepare<[string, string, string]>(
    `INSERT INTO jobs (status, prompt, origin, max_attempts, timeout_sec, created_at, finished_at, result) VALUES ('succeeded', 'seeded', '{"kind":"api"}', 3, 3600, ?, ?, ?)`,
  );
  const event = db.prepare<[number | bigint, number, string, string]>('INSERT INTO job_events (job_id, seq, at, event) VALUES (?, ?, ?, ?)');
  const texts = [...EVENTS, { kind: 'finished', result: RESULT }].map((e) => JSON.stringify(e));
  db.transaction(() => {
    for (let j = 0; j < JOBS; j++) {
      const id = job.run(ended, ended, JSON.stringify(RESULT)).lastInsertRowid;
      texts.forEach((text, i) => event.run(id, i + 1, ended, text));
    }
  })();
  db.close();
}

async function start(dataDir: string): Promise<Master> {
  const env = environmentFrom({ MASTER_RETENTION_DAYS: '30', MASTER_PING_INTERVAL: '15' });
  const config = resolveMasterConfig({ port: '0', httpPort: '0', dataDir, host: '127.0.0.1' }, env, false);
  return startMaster(config, silentLogger());
}

function dispatch(master: Master, burstMs: number): Promise<DispatchResult> {
  const spec: DispatchSpec = {
    kind: 'dispatch',
    httpUrl: `http://127.0.0.1:${master.http.port}`,
    wsUrl: `ws://127.0.0.1:${master.ws.port}`,
    adminToken: master.adminToken.value,
    nodeToken: master.nodeToken.value,
    pid: process.pid,
    burstMs,
    ...DISPATCH,
  };
  return runScript<DispatchResult>('jobs-client.ts', spec, 'the jobs client');
}

/** Resolves once the client's first job is in: its burst has begun. */
function firstJob(master: Master): Promise<number> {
  return new Promise((resolve) => {
    const stop = master.jobs.subscribe(() => {
      stop();
      resolve(performance.now());
    });
  });
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

async function main(): Promise<void> {
  console.log(`bench:retention — ${QUICK ? 'quick' : 'full'}; ${availableParallelism()} CPUs, load ${loadavg()[0]?.toFixed(2)}`);
  const dataDir = makeDataDir();
  let t = performance.now();
  await seed(dataDir);
  console.log(`seeded ${JOBS.toLocaleString('en')} finished jobs, ${(JOBS * PER_JOB).toLocaleString('en')} events, ended 100 days ago (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  const master = await start(dataDir);
  try {
    const quiet = await dispatch(master, BURST_MS.cold);
    // Phase 2: the sweep starts as the paced jobs begin (after the client's burst), so it covers the measured window.
    const begun = firstJob(master);
    const measured = dispatch(master, BURST_MS.warm);
    await begun;
    await sleep(BURST_MS.warm);
    t = performance.now();
    const sweep = master.sweeper.sweep();
    const [pruning, figures] = await Promise.all([measured, sweep]);
    const windowEnd = performance.now();
    const covered = Math.min(1, figures.elapsedMs / (windowEnd - t));
    console.log(
      `\nsweep: ${figures.jobs.toLocaleString('en')} jobs and ${figures.events.toLocaleString('en')} events pruned in ${(figures.elapsedMs / 1000).toFixed(2)} s ` +
        `(${Math.round(figures.events / (figures.elapsedMs / 1000)).toLocaleString('en')} events/s), ${figures.turns} turns, ${Math.round(figures.busyMs)} ms busy ` +
        `(${(figures.busyMs / figures.turns).toFixed(2)} ms a turn); it ran for ${Math.round(covered * 100)}% of phase 2's client run`,
    );
    console.log(`\nDispatch at ${DISPATCH.ratePerSec} jobs/s, POST sent → the node's executor starts the job (${DISPATCH.durationMs / 1000} s measured each)`);
    console.log(`  ${'phase'.padEnd(24)} ${'jobs'.padStart(6)} ${'p50'.padStart(10)} ${'p99'.padStart(10)}`);
    for (const [name, r] of [['without pruning', quiet], ['while pruning', pruning]] as const) {
      console.log(`  ${name.padEnd(24)} ${String(r.jobs).padStart(6)} ${ms(r.dispatch.p50).padStart(10)} ${ms(r.dispatch.p99).padStart(10)}`);
    }
    console.log(`  ratio (pruning / not)    ${''.padStart(6)} ${`${(pruning.dispatch.p50 / quiet.dispatch.p50).toFixed(2)}×`.padStart(10)} ${`${(pruning.dispatch.p99 / quiet.dispatch.p99).toFixed(2)}×`.padStart(10)}`);
    const left = (await master.store.maintenance.endedBefore(new Date(Date.now() - 30 * 86_400_000).toISOString(), undefined, 1)).length;
    if (left > 0) throw new Error('old finished jobs are still stored after the sweep');
  } finally {
    await master.close();
    removeDataDir(dataDir);
  }
}

runBench(main);
