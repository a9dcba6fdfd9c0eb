import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobSummary } from '../../protocol/index.js';
import { ChangeNode, changeSummary } from '../../test-support/change-node.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { captureLog } from '../../test-support/log-capture.js';
import { waitFor } from '../../test-support/wait.js';
import { DEFAULT_AGENTS } from '../profiles/index.js';
import type { JobRecord } from '../store/index.js';
import { Pipeline } from './pipeline.js';
import type { JobUpdate } from './types.js';

let master: TestMaster;
const clients: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await master.close();
});
afterAll(removeTempDirs);

const origin = { kind: 'telegram', chatId: 7, userId: 42 } as const;

async function setUp(): Promise<{ node: ChangeNode; bridge: TestClient }> {
  master = await startTestMaster();
  const node = await ChangeNode.connect(master, 'builder');
  const bridge = await TestClient.node(master.wsUrl, master.bridgeToken.value, { name: 'chat', role: 'bridge' });
  clients.push(node, bridge);
  bridge.sendJson({ type: 'job_submit', requestId: 'm1', prompt: 'add a logout button', repo: 'acme/app', mode: 'multi', origin });
  return { node, bridge };
}

/** The bridge's next update of a job in a final state. */
async function ended(bridge: TestClient, id: number): Promise<JobSummary> {
  const frame = await bridge.next((f) => f.json?.type === 'job_update' && (f.json.job).id === id && ['succeeded', 'failed', 'cancelled'].includes((f.json.job).status));
  return (frame.json as { job: JobSummary }).job;
}

describe('mode: multi', () => {
  it('runs planner → coder → reviewer as linked jobs on one thread and branch, each reaching the chat', async () => {
    const { node, bridge } = await setUp();
    const planner = await node.assigned();
    expect(planner.prompt).toContain(DEFAULT_AGENTS[0]?.prompt);
    expect(planner.prompt).toContain('add a logout button');
    await node.finish(planner, undefined, { finalMessage: 'PLAN: 1. add the button', threadId: 'thread-1', change: changeSummary(planner.id) });
    expect(await ended(bridge, planner.id)).toMatchObject({ status: 'succeeded', prompt: 'add a logout button', pipeline: { id: planner.id, role: 'planner', step: 1, steps: 3 } });

    const coder = await node.assigned();
    expect(coder).toMatchObject({ threadId: 'thread-1', branch: `csc/job-${planner.id}`, repo: 'acme/app' });
    expect(coder.prompt).toContain(DEFAULT_AGENTS[1]?.prompt);
    expect(coder.prompt).toContain('add a logout button');
    expect(coder.prompt).toContain('PLAN: 1. add the button');
    await node.finish(coder, undefined, { finalMessage: 'Added it.', threadId: 'thread-1', change: changeSummary(planner.id) });
    expect(await ended(bridge, coder.id)).toMatchObject({ continueFrom: planner.id, pipeline: { id: planner.id, role: 'coder', step: 2, steps: 3 } });

    const reviewer = await node.assigned();
    expect(reviewer.prompt).toContain('Added it.');
    await node.finish(reviewer, undefined, { finalMessage: 'APPROVED: looks right.', threadId: 'thread-1' });
    expect(await ended(bridge, reviewer.id)).toMatchObject({ result: { finalMessage: 'APPROVED: looks right.' }, pipeline: { role: 'reviewer', step: 3, steps: 3 } });
    // The pipeline is over: no fourth job.
    const { jobs } = (await (await master.api('/api/jobs')).json()) as { jobs: unknown[] };
    expect(jobs).toHaveLength(3);
  });

  it('cancels the running step through its first job after a master restart (a step this master did not see made)', async () => {
    const { node } = await setUp();
    const planner = await node.assigned();
    await node.finish(planner, undefined, { finalMessage: 'PLAN', threadId: 'thread-1' });
    const coder = await node.assigned();
    const { dataDir } = master.config;
    await master.close();
    master = await startTestMaster({ dataDir });
    const cancelled = await master.api(`/api/jobs/${planner.id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(202);
    expect(await cancelled.json()).toMatchObject({ id: coder.id, status: 'cancelled', pipeline: { id: planner.id, step: 2 } });
  });

  it('ends at a failed step, and a cancel of its first job stops the running step', async () => {
    const { node, bridge } = await setUp();
    const planner = await node.assigned();
    await node.finish(planner, undefined, { finalMessage: 'PLAN', threadId: 'thread-1' });
    const coder = await node.assigned();
    const cancelled = await master.api(`/api/jobs/${planner.id}/cancel`, { method: 'POST' });
    expect(cancelled.status).toBe(202);
    expect(((await cancelled.json()) as { id: number }).id).toBe(coder.id);
    await node.client.next((f) => f.json?.type === 'job_cancel' && f.json.jobId === coder.id);
    await node.finish(coder, undefined, { status: 'cancelled', error: 'cancelled' });
    expect(await ended(bridge, coder.id)).toMatchObject({ status: 'cancelled', pipeline: { step: 2 } });
    const { jobs } = (await (await master.api('/api/jobs')).json()) as { jobs: unknown[] };
    expect(jobs).toHaveLength(2);
  });

  it('runs through POST /api/jobs too', async () => {
    master = await startTestMaster();
    const node = await ChangeNode.connect(master, 'builder');
    clients.push(node);
    const made = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'tidy up', mode: 'multi' }) });
    expect(await made.json()).toMatchObject({ pipeline: { role: 'planner', step: 1, steps: 3, request: 'tidy up' } });
    const planner = await node.assigned();
    await node.finish(planner, undefined, { status: 'failed', error: 'no plan' });
    const { jobs } = (await (await master.api('/api/jobs')).json()) as { jobs: unknown[] };
    expect(jobs).toHaveLength(1);
  });
});

describe("a pipeline's next step", () => {
  it('logs a create that fails, and the pipeline ends there: nothing rejects unheard', async () => {
    const { log, lines } = captureLog();
    let listener: ((update: JobUpdate) => void) | undefined;
    const jobs = {
      create: () => Promise.reject(new Error('the store went away')),
      subscribe: (next: (update: JobUpdate) => void) => {
        listener = next;
        return () => undefined;
      },
      unfinishedStored: () => Promise.resolve([]),
    };
    new Pipeline(jobs, DEFAULT_AGENTS, log);
    const planner = { id: 1, status: 'succeeded', pipeline: { id: 1, role: 'planner', step: 1, steps: 3, request: 'tidy up', profile: {} }, origin: { kind: 'api' }, timeoutSec: 60 } as unknown as JobRecord;
    listener?.({ job: planner, events: [] });
    await waitFor(() => lines.some((line) => line.msg === "could not queue the pipeline's next step: the pipeline ends here"), 'the failure to be logged', 2000);
  });
});
