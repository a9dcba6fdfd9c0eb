import { setTimeout as sleep } from 'node:timers/promises';
import { REQUEST_TIMEOUT_MS, apiOf, listJobs, type Api } from './delivery-audit.js';
import { seededRandom, type FaultFigures } from './fault-figures.js';
import { FaultProxy } from './fault-proxy.js';
import { MasterProcess } from './master-process.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait.js';

export interface CreateBurstsOptions {
  cycles: number;
  /** Creates per burst, each with its own `Idempotency-Key`. */
  keysPerCycle: number;
  /** Clients sending at once. */
  concurrency: number;
  seed: number;
  timeoutMs: number;
  log?: (line: string) => void;
}

/** What one key's client saw: the job it was answered with, and how many tries it took. */
interface KeyOutcome {
  key: string;
  jobId?: number;
  status?: number;
  tries: number;
}

const RETRY_MS = 25;

/**
 * Bursts of `POST /api/jobs` with `Idempotency-Key` headers, through a `FaultProxy` to a master
 * process that is SIGKILLed mid-burst and restarted on the same ports; clients retry with the same
 * key on connection errors. To make "stored but never answered" certain, the proxy is stalled
 * first (the master goes on storing what it received, its answers are held), then the master is
 * killed and the held connections reset. Afterwards every key must have made exactly one job,
 * the one its client was answered with.
 */
export async function runCreateBursts(options: CreateBurstsOptions): Promise<{ figures: FaultFigures; problems: string[] }> {
  const began = performance.now();
  const random = seededRandom(options.seed);
  const master = await MasterProcess.start({ dataDir: tempDir('csc-create-bursts-') });
  const proxy = await FaultProxy.start(master.httpPort);
  const outcomes: KeyOutcome[] = [];
  const recoveryMs: number[] = [];
  try {
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      const results = Array.from({ length: options.keysPerCycle }, (_, i): KeyOutcome => ({ key: `s${options.seed}-c${cycle}-k${i}`, tries: 0 }));
      outcomes.push(...results);
      recoveryMs.push(await burstWithCrash(master, proxy, results, Math.floor(results.length * (0.2 + random() * 0.4)), options, cycle));
    }
    const { problems, duplicated, missing } = await auditKeys(apiOf(master), outcomes);
    const figures: FaultFigures = {
      scenario: 'creates with Idempotency-Key',
      cycles: options.cycles,
      jobs: outcomes.length,
      events: 0,
      lostJobs: missing,
      duplicatedJobs: duplicated,
      rerunJobs: 0,
      lostEvents: 0,
      duplicatedEvents: 0,
      recoveryMs,
      wallMs: performance.now() - began,
    };
    return { figures, problems };
  } finally {
    await proxy.close();
    await master.kill();
  }
}

/** One burst of creates, the master killed once `killAfter` are answered; resolves with the time from the kill to the next answer. */
async function burstWithCrash(master: MasterProcess, proxy: FaultProxy, results: KeyOutcome[], killAfter: number, options: CreateBurstsOptions, cycle: number): Promise<number> {
  const viaProxy: Api = (path, init) => master.api(path, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init }, `http://127.0.0.1:${proxy.port}`);
  const answered = (): number => results.filter((r) => r.jobId !== undefined).length;
  // Its failure is kept until awaited, not left as an unhandled rejection meanwhile (sendAll throws only Errors).
  const burst = sendAll(viaProxy, results, options.concurrency, performance.now() + options.timeoutMs).then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  await waitFor(() => answered() >= killAfter, `cycle ${cycle}: ${killAfter} creates answered`, options.timeoutMs);
  const killedAt = await crash(master, proxy);
  await master.restart();
  const before = answered();
  await waitFor(() => answered() > before || before === results.length, `cycle ${cycle}: creates after the restart`, options.timeoutMs);
  const recovered = performance.now() - killedAt;
  const failure = await burst;
  if (failure !== undefined) throw failure;
  options.log?.(`cycle ${cycle}: killed after ${before} of ${results.length} answered; ${results.reduce((n, r) => n + r.tries - 1, 0)} retries`);
  return recovered;
}

/** Stalls the proxy, lets the master take in what reached it, kills it and resets the held connections. */
async function crash(master: MasterProcess, proxy: FaultProxy): Promise<number> {
  proxy.stall();
  // A request straight to the master is answered after those that reached it before the stall were handled.
  await master.api('/api/health', { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const killedAt = performance.now();
  await master.kill();
  proxy.cut('rst');
  proxy.resume();
  return killedAt;
}

/** `concurrency` clients taking keys in turn until every key has its job (or the deadline passes). */
async function sendAll(api: Api, results: KeyOutcome[], concurrency: number, deadline: number): Promise<void> {
  let next = 0;
  const client = async (): Promise<void> => {
    for (let result = results[next++]; result; result = results[next++]) await createWithRetries(api, result, deadline);
  };
  await Promise.all(Array.from({ length: concurrency }, client));
}

/** Sends one key's create until answered, again with the same key after every connection error (or timeout). */
async function createWithRetries(api: Api, result: KeyOutcome, deadline: number): Promise<void> {
  const body = JSON.stringify({ prompt: `idempotent ${result.key}` });
  while (performance.now() < deadline) {
    result.tries++;
    try {
      const response = await api('/api/jobs', { method: 'POST', body, headers: { 'idempotency-key': result.key } });
      result.status = response.status;
      if (response.status === 200 || response.status === 201) {
        result.jobId = ((await response.json()) as { id: number }).id;
        return;
      }
      if (response.status < 500) throw new Error(`key ${result.key}: HTTP ${response.status}: ${await response.text()}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('key ')) throw error;
    }
    await sleep(RETRY_MS);
  }
  throw new Error(`key ${result.key}: no answer after ${result.tries} tries`);
}

/** Every key made exactly one job, and it is the one its client was answered with. */
async function auditKeys(api: Api, outcomes: readonly KeyOutcome[]): Promise<{ problems: string[]; duplicated: number; missing: number }> {
  const byKey = new Map<string, number[]>();
  for (const job of await listJobs(api)) {
    const key = /^idempotent (\S+)$/.exec(job.prompt)?.[1];
    if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), job.id]);
  }
  const problems: string[] = [];
  let duplicated = 0;
  let missing = 0;
  for (const { key, jobId, tries } of outcomes) {
    const ids = (byKey.get(key) ?? []).sort((a, b) => a - b);
    if (ids.length === 0) missing++;
    duplicated += Math.max(0, ids.length - 1);
    if (ids.length !== 1) problems.push(`key ${key}: ${ids.length} jobs (${ids.join(', ')}) after ${tries} tries; the client was answered with job ${jobId}`);
    else if (ids[0] !== jobId) problems.push(`key ${key}: the client was answered with job ${jobId}, but the key made job ${ids[0]}`);
  }
  return { problems, duplicated, missing };
}
