/**
 * Which pipelines the jobs bench runs (BENCH_PIPELINES) and what they share across the run: the
 * PostgreSQL server of `postgres` and `postgres2`, the built checkout of `before`. A pipeline that cannot run
 * here is skipped with a note (no PostgreSQL binaries; no change against the baseline ref), so
 * that the rest of the bench still runs; whatever was started is taken down by `close()`.
 */
import { BASELINE_REF, BaselineCheckout, masterChangedSince, resolveRef } from './baseline-master.js';
import { BenchPostgres } from './bench-postgres.js';
import { ALL_PIPELINES, type PipelineKind, type PipelineResources } from './jobs-pipelines.js';

export interface PipelineSetup {
  /** The pipelines that run, in table order. */
  pipelines: PipelineKind[];
  resources: PipelineResources;
  /** One line per pipeline that needed preparing: what it runs on, or why it was skipped. */
  notes: string[];
  /** Stops the PostgreSQL server and removes the checkout. */
  close(): Promise<void>;
}

const DEFAULT_PIPELINES: readonly PipelineKind[] = ['master', 'normal', 'bare', 'postgres', 'postgres2', 'before'];
const ON_POSTGRES: readonly PipelineKind[] = ['postgres', 'postgres2'];

/**
 * BENCH_PIPELINES=master,postgres,before: those, in table order; by default every one but `keyed`,
 * which BENCH_IDEMPOTENCY=1 adds. An unknown name fails the bench rather than being ignored.
 */
export function requestedPipelines(env: NodeJS.ProcessEnv = process.env): PipelineKind[] {
  const listed = env.BENCH_PIPELINES?.split(',').map((name) => name.trim()).filter(Boolean);
  const names = listed ?? [...DEFAULT_PIPELINES, ...(env.BENCH_IDEMPOTENCY === '1' ? ['keyed'] : [])];
  const unknown = names.filter((name) => !(ALL_PIPELINES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`BENCH_PIPELINES: unknown pipeline ${unknown.join(', ')} (known: ${ALL_PIPELINES.join(', ')})`);
  return ALL_PIPELINES.filter((kind) => names.includes(kind));
}

async function prepareBaseline(notes: string[]): Promise<BaselineCheckout | undefined> {
  const commit = resolveRef(BASELINE_REF).slice(0, 10);
  if (!masterChangedSince(BASELINE_REF)) {
    notes.push(`before: SKIPPED: the master's files (src/, migrations/, bin/, package and tsconfig files) have no changes against ${BASELINE_REF} (${commit}), so "before" would be "master"`);
    return undefined;
  }
  console.log(`Building the master of ${BASELINE_REF} (${commit}) for "before"…`);
  const started = performance.now();
  const checkout = await BaselineCheckout.create(BASELINE_REF);
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  notes.push(`before: csc master of ${BASELINE_REF} (${commit}; BENCH_BASELINE_REF), built in a temporary git worktree in ${seconds} s, run as "master" (SQLite, full)`);
  return checkout;
}

async function preparePostgres(notes: string[]): Promise<BenchPostgres | undefined> {
  const bin = BenchPostgres.binaries();
  if (bin === undefined) {
    notes.push('postgres, postgres2: SKIPPED: no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)');
    return undefined;
  }
  const postgres = await BenchPostgres.start();
  notes.push(`postgres: csc master with MASTER_DATABASE_URL on a fresh database per run of a private server (${bin}, ${postgres.describe()})`);
  notes.push(
    'postgres2: two csc masters (MASTER_NAME a and b, own data dirs and ports, the same tokens) on one fresh database per run of\n' +
      "  that server; the client sends the creates to each in turn and runs a node per master (listing both, the slots split, so\n" +
      "  the fleet is postgres's), and scenario 3's job is created on a, runs on b's node and is followed on a",
  );
  return postgres;
}

/** Prepares what `requested` needs; on failure takes down what it had started before rethrowing. */
export async function preparePipelines(requested: readonly PipelineKind[]): Promise<PipelineSetup> {
  const notes: string[] = [];
  const resources: PipelineResources = {};
  const close = async (): Promise<void> => {
    resources.baseline?.remove();
    await resources.postgres?.stop();
  };
  try {
    // The build first: it takes the cores for half a minute, with no server running yet.
    if (requested.includes('before')) resources.baseline = await prepareBaseline(notes);
    if (requested.some((kind) => ON_POSTGRES.includes(kind))) resources.postgres = await preparePostgres(notes);
  } catch (error) {
    await close();
    throw error;
  }
  const pipelines = requested.filter((kind) => (kind !== 'before' || resources.baseline) && (!ON_POSTGRES.includes(kind) || resources.postgres));
  if (pipelines.length === 0) {
    await close();
    throw new Error(`no pipeline left to run:\n${notes.join('\n')}`);
  }
  return { pipelines, resources, notes, close };
}
