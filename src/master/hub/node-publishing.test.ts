import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';
import { NODE_PUBLISH_INTERVAL_MS } from '../fleet/index.js';
import type { LiveNode } from '../store/index.js';
import { NodePublishing } from './node-publishing.js';

let master: TestMaster;
let publishing: NodePublishing | undefined;
const clients: TestClient[] = [];
afterEach(async () => {
  publishing?.close();
  for (const client of clients.splice(0)) client.close();
  await master.close();
});
afterAll(removeTempDirs);

/** A fleet that keeps what it is given, with when. */
function recordingFleet() {
  const published: Array<{ at: number; nodes: readonly LiveNode[] }> = [];
  return { published, fleet: { masterId: 'this-master', publishNodes: (nodes: readonly LiveNode[]) => void published.push({ at: Date.now(), nodes }) } };
}

async function node(name: string): Promise<TestClient> {
  const client = await TestClient.node(master.wsUrl, master.nodeToken.value, { name, capabilities: { slots: 2, executors: ['raw'] } });
  clients.push(client);
  return client;
}

const last = (published: ReturnType<typeof recordingFleet>['published']) => published.at(-1)?.nodes ?? [];

describe("publishing this master's nodes to the fleet", () => {
  it("publishes the hub's nodes with the jobs out on each, on every change: a node comes, a job starts and ends, a node goes", async () => {
    // A cancel the node does not confirm ends the job after this wait.
    master = await startTestMaster({ jobs: { maxAttempts: 3, defaultTimeoutSec: 3600, requeueGraceSec: 30, cancelWaitSec: 0.1, allowLocalRepos: false } });
    const { published, fleet } = recordingFleet();
    publishing = new NodePublishing(master.hub, master.jobs, fleet);
    await waitFor(() => published.length === 1, 'the first list');
    expect(last(published)).toEqual([]);

    const worker = await node('worker');
    await waitFor(() => last(published).some((n) => n.info.name === 'worker'), 'worker published');
    expect(last(published)).toEqual([{ info: expect.objectContaining({ name: 'worker', status: 'online' }) as unknown, masterId: 'this-master', running: [] }]);

    const created = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'run me' }) });
    const { id } = (await created.json()) as { id: number };
    await worker.next((m) => m.json?.type === 'job_assign');
    await waitFor(() => last(published)[0]?.running[0] === id, 'the job published on its node');
    expect(master.jobs.runningOn('worker')).toEqual([id]);

    await master.api(`/api/jobs/${id}/cancel`, { method: 'POST' });
    await waitFor(() => last(published)[0]?.running.length === 0, 'the job gone from its node');

    worker.close();
    await waitFor(() => last(published).length === 0, 'worker gone');
  });

  it('builds at most one list per interval in a storm of connections, always ending with the last state', async () => {
    master = await startTestMaster();
    const { published, fleet } = recordingFleet();
    publishing = new NodePublishing(master.hub, master.jobs, fleet);
    await Promise.all(Array.from({ length: 30 }, (_, i) => node(`n${i}`)));
    await waitFor(() => last(published).filter((n) => n.info.name.startsWith('n')).length === 30, 'all 30 published');
    // 30 connections and 30 hellos: a handful of lists, each at least an interval after the one before.
    expect(published.length).toBeLessThan(15);
    for (let i = 1; i < published.length; i++) expect(published[i]!.at - published[i - 1]!.at).toBeGreaterThanOrEqual(NODE_PUBLISH_INTERVAL_MS - 5);
  });

  it('stops at close: nothing is published after it', async () => {
    master = await startTestMaster();
    const { published, fleet } = recordingFleet();
    publishing = new NodePublishing(master.hub, master.jobs, fleet);
    await waitFor(() => published.length === 1, 'the first list');
    publishing.close();
    await node('late');
    await new Promise((resolve) => setTimeout(resolve, NODE_PUBLISH_INTERVAL_MS * 2));
    expect(published).toHaveLength(1);
  });
});
