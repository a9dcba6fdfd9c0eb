import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobSpec } from '../../protocol/index.js';
import { ChangeNode, changeSummary, openedPullRequest } from '../../test-support/change-node.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';

let master: TestMaster;
const clients: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await master.close();
});
afterAll(removeTempDirs);

async function setUp(): Promise<{ node: ChangeNode; bridge: TestClient; spec: JobSpec }> {
  master = await startTestMaster();
  const node = await ChangeNode.connect(master, 'builder');
  const bridge = await TestClient.node(master.wsUrl, master.bridgeToken.value, { name: 'chat', role: 'bridge' });
  clients.push(node, bridge);
  bridge.sendJson({ type: 'job_submit', requestId: 'submit-1', prompt: 'fix the login form', repo: 'acme/app', origin: { kind: 'telegram', chatId: 7 } });
  const spec = await node.assigned();
  await node.finish(spec, 'diff --git a/a b/a\n', { change: changeSummary(spec.id) });
  await bridge.next((m) => m.json?.type === 'job_update' && (m.json.job as { status: string }).status === 'succeeded');
  return { node, bridge, spec };
}

describe('job_publish_request from a bridge', () => {
  it('is answered by the job update that carries the pull request, with the request id', async () => {
    const { node, bridge, spec } = await setUp();
    bridge.sendJson({ type: 'job_publish_request', requestId: 'pr-1', jobId: spec.id, mode: 'pr' });
    const request = await node.publishRequest();
    expect(request).toMatchObject({ jobId: spec.id, mode: 'pr', repo: 'acme/app', branch: `csc/job-${spec.id}`, title: 'fix the login form' });
    expect(request.base).toBeUndefined();
    node.answer(request, openedPullRequest(request, 5));
    const update = await bridge.next((m) => m.json?.type === 'job_update' && m.json.requestId === 'pr-1');
    expect(update.json).toMatchObject({ job: { id: spec.id, result: { publication: { mode: 'pr', pullRequest: { number: 5, url: 'https://github.com/acme/app/pull/5' } } } } });
    // One answer: the bridge does not also get it as a followed job's update (one window later).
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(bridge.received.filter((m) => m.json?.type === 'job_update' && (m.json.job as { result?: { publication?: unknown } }).result?.publication !== undefined)).toEqual([]);
  });

  it('is answered by an error with a stable code when the job cannot be published', async () => {
    const { node, bridge, spec } = await setUp();
    bridge.sendJson({ type: 'job_publish_request', requestId: 'pr-2', jobId: 999, mode: 'pr' });
    expect((await bridge.next((m) => m.json?.type === 'error')).json).toMatchObject({ code: 'not_found', requestId: 'pr-2', ref: 'job_publish_request' });
    node.close();
    bridge.sendJson({ type: 'job_publish_request', requestId: 'pr-3', jobId: spec.id, mode: 'branch' });
    const away = await bridge.next((m) => m.json?.type === 'error');
    expect(away.json).toMatchObject({ code: 'node_unavailable', requestId: 'pr-3', message: expect.stringContaining('node builder') as unknown });
  });

  it('brings the late answer of a node that left mid-publish to the chat once it comes', async () => {
    const { node, bridge, spec } = await setUp();
    bridge.sendJson({ type: 'job_publish_request', requestId: 'pr-4', jobId: spec.id, mode: 'pr' });
    const request = await node.publishRequest();
    node.close();
    expect((await bridge.next((m) => m.json?.type === 'error')).json).toMatchObject({ code: 'node_unavailable', requestId: 'pr-4' });
    const back = await ChangeNode.connect(master, 'builder');
    clients.push(back);
    back.answer(request, openedPullRequest(request, 8));
    const update = await bridge.next((m) => m.json?.type === 'job_update' && (m.json.job as { result?: { publication?: unknown } }).result?.publication !== undefined);
    expect(update.json).toMatchObject({ job: { id: spec.id, result: { publication: { pullRequest: { number: 8 } } } } });
  });

  it('is refused from a node: only bridges ask for a publication', async () => {
    const { node, spec } = await setUp();
    node.client.sendJson({ type: 'job_publish_request', requestId: 'pr-5', jobId: spec.id, mode: 'pr' });
    expect((await node.client.next((m) => m.json?.type === 'error')).json).toMatchObject({ code: 'forbidden', ref: 'job_publish_request' });
  });
});
