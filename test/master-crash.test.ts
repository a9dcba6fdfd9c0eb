import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/master/store/index.js';
import { EchoExecutor, type NodeWorker } from '../src/node/index.js';
import type { SequencedJobEvent } from '../src/protocol/index.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { startTestNode } from '../src/test-support/test-node.js';
import { waitFor } from '../src/test-support/wait.js';
import { runCsc, type CscProcess } from './cli-process.js';

const processes: CscProcess[] = [];
let worker: NodeWorker | undefined;
afterEach(async () => {
  await worker?.agent.stop();
  for (const p of processes.splice(0)) p.child.kill('SIGKILL');
});
afterAll(removeTempDirs);

async function startMaster(dataDir: string, wsPort = 0, httpPort = 0) {
  const proc = runCsc(['master', '--port', String(wsPort), '--http-port', String(httpPort), '--data-dir', dataDir], { MASTER_JOB_REQUEUE_GRACE: '30' });
  processes.push(proc);
  const [, ws] = await proc.waitForOutput(/ws:\/\/127\.0\.0\.1:(\d+)/);
  const [, http] = await proc.waitForOutput(/http:\/\/127\.0\.0\.1:(\d+)\//);
  const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${http}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  return { proc, wsPort: Number(ws), httpPort: Number(http), api };
}

describe('a master killed with SIGKILL mid-job', () => {
  it('loses no event and duplicates none, and the job finishes after a restart', async () => {
    const dataDir = tempDir();
    let master = await startMaster(dataDir);
    const { wsPort, httpPort } = master;
    const nodeToken = readFileSync(join(dataDir, 'master-token'), 'utf8').trim();
    worker = startTestNode(`ws://127.0.0.1:${wsPort}`, nodeToken, { name: 'survivor', executor: new EchoExecutor(1500), journalDir: tempDir() });
    await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'outlive the master' }) });
    const status = async () => ((await (await master.api('/api/jobs/1')).json()) as JobRecord).status;
    await waitFor(async () => (await status()) === 'running', 'the job to run', 10_000);

    master.proc.child.kill('SIGKILL');
    await master.proc.exited;
    master = await startMaster(dataDir, wsPort, httpPort);
    await waitFor(async () => (await status()) === 'succeeded', 'the job to finish after the restart', 15_000);

    const { events } = (await (await master.api('/api/jobs/1/logs')).json()) as { events: SequencedJobEvent[] };
    expect(events.map((e) => [e.seq, e.event.kind])).toEqual([[1, 'started'], [2, 'agent_message'], [3, 'finished']]);
    const job = (await (await master.api('/api/jobs/1')).json()) as JobRecord;
    expect(job).toMatchObject({ attempt: 1, node: 'survivor', result: { status: 'succeeded', finalMessage: 'outlive the master' } });
  });
});
