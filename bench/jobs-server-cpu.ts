/**
 * The store server's CPU in a pipeline's CPU figures. The client reads the pipeline process's CPU
 * over the measured span alone; the PostgreSQL server's processes come and go (a backend per
 * connection, autovacuum workers), so the driver reads the whole cluster before and after the
 * client's run and spreads that over the jobs (events) the run stored. Warm-up included: the
 * server has no JIT to warm up, and its cost per job is what is asked for.
 */
import type { JobsResult, PipelineTarget } from './jobs-spec.js';

/** A result whose CPU figures include the store server's: `serverCpuUs` of it, per job or event. */
export type BenchRun = JobsResult & { serverCpuUs?: number };

async function listJobs(target: PipelineTarget, limit: number): Promise<Array<{ id: number; lastSeq: number }>> {
  const response = await fetch(`${target.httpUrl}/api/jobs?limit=${limit}`, { headers: { authorization: `Bearer ${target.adminToken}` } });
  if (!response.ok) throw new Error(`GET /api/jobs answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return ((await response.json()) as { jobs: Array<{ id: number; lastSeq: number }> }).jobs;
}

/** Events stored on a fresh ingest pipeline: two jobs (warm-up, measured), every event of each. */
async function storedEvents(target: PipelineTarget): Promise<number> {
  return (await listJobs(target, 10)).reduce((sum, job) => sum + job.lastSeq, 0);
}

/**
 * Adds `cpuSec` of server CPU, spent over the client's whole run, to the result's CPU per job or
 * event. Scenario 4's figure is a difference between jobs with and without a diff measured
 * alternately, which a reading over the whole run cannot split: it stays the master's alone.
 */
export async function withServerCpu(result: JobsResult, cpuSec: number, target: PipelineTarget): Promise<BenchRun> {
  const per = (units: number): number => (cpuSec * 1e6) / units;
  switch (result.kind) {
    case 'dispatch': {
      // Not the newest id: masters sharing a database take ids in blocks, so ids have gaps.
      const serverCpuUs = per(result.created);
      return { ...result, pipelineCpuUsPerJob: result.pipelineCpuUsPerJob + serverCpuUs, serverCpuUs };
    }
    case 'throughput': {
      // Every job posted in the run has completed (the client waits for them).
      const serverCpuUs = per(result.completed);
      return { ...result, pipelineCpuUsPerJob: result.pipelineCpuUsPerJob + serverCpuUs, serverCpuUs };
    }
    case 'ingest': {
      const serverCpuUs = per(await storedEvents(target));
      return { ...result, pipelineCpuUsPerEvent: result.pipelineCpuUsPerEvent + serverCpuUs, serverCpuUs };
    }
    case 'delivery':
      return result;
  }
}
