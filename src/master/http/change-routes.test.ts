import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobSpec, SequencedJobEvent } from '../../protocol/index.js';
import { ChangeNode, changeSummary, diffEvents, diffParts, openedPullRequest } from '../../test-support/change-node.js';
import { applyToBase, everyKindOfChange } from '../../test-support/git-change.js';
import { SseClient } from '../../test-support/sse-client.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';
import { parseUnifiedDiff } from '../jobs/index.js';
import type { JobRecord } from '../store/index.js';

let master: TestMaster;
const nodes: ChangeNode[] = [];
const streams: SseClient[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  for (const node of nodes.splice(0)) node.close();
  await master.close();
});
afterAll(removeTempDirs);

const change = everyKindOfChange();

async function connect(name = 'builder', runningJobs: number[] = []): Promise<ChangeNode> {
  const node = await ChangeNode.connect(master, name, runningJobs);
  nodes.push(node);
  return node;
}

async function post<T = JobRecord>(path: string, body: unknown): Promise<{ status: number; json: T }> {
  const res = await master.api(path, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as T };
}
type ErrorBody = { error: { code: string; message: string } };
const getJob = async (id: number) => (await (await master.api(`/api/jobs/${id}`)).json()) as JobRecord;
const logs = async (id: number) => ((await (await master.api(`/api/jobs/${id}/logs`)).json()) as { events: SequencedJobEvent[] }).events;

/** A job on acme/app that ran on `node` and ended with `change`'s diff and a committed change. */
async function finishedJob(node: ChangeNode, body: Record<string, unknown> = {}): Promise<JobSpec> {
  await post('/api/jobs', { prompt: 'Add a test for the parser\n\nand keep it short', repo: 'acme/app', ref: 'main', ...body });
  const spec = await node.assigned();
  await node.finish(spec, change.diff, { change: changeSummary(spec.id) });
  return spec;
}

describe('GET /api/jobs/:id/diff', () => {
  it('serves the diff byte for byte as text/x-diff, which git apply takes to reproduce the change', async () => {
    master = await startTestMaster();
    const node = await connect();
    const spec = await finishedJob(node);
    const res = await master.api(`/api/jobs/${spec.id}/diff`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/x-diff; charset=utf-8');
    const text = await res.text();
    expect(text).toBe(change.diff);
    // The binary file is named, not inlined: it is the one path git apply cannot write.
    expect(applyToBase(change, text, ['logo.bin'])).toEqual(['logo.bin']);
  });

  it('gives files with hunks for ?format=json', async () => {
    master = await startTestMaster();
    const node = await connect();
    const spec = await finishedJob(node);
    const res = await master.api(`/api/jobs/${spec.id}/diff?format=json`);
    const json = (await res.json()) as { files: ReturnType<typeof parseUnifiedDiff>; truncated: boolean };
    expect(json).toEqual({ files: parseUnifiedDiff(change.diff), truncated: false });
    expect(json.files.find((f) => f.path === 'new name.txt')).toMatchObject({ oldPath: 'old name.txt', status: 'renamed', added: 1, removed: 1 });
    expect(json.files.find((f) => f.path === 'logo.bin')).toMatchObject({ binary: true, hunks: [] });
  });

  it('says when a job has no diff, and when it has none yet', async () => {
    master = await startTestMaster();
    const node = await connect();
    await post('/api/jobs', { prompt: 'only talk' });
    const quiet = await node.assigned();
    await node.finish(quiet, undefined);
    const none = await master.api(`/api/jobs/${quiet.id}/diff`);
    expect([none.status, ((await none.json()) as ErrorBody).error]).toEqual([404, { code: 'not_found', message: `job ${quiet.id} has no diff` }]);
    expect((await master.api('/api/jobs/99/diff')).status).toBe(404);

    await post('/api/jobs', { prompt: 'edit', repo: 'acme/app' });
    const busy = await node.assigned();
    await node.send(busy, [{ seq: busy.nextSeq, at: new Date().toISOString(), event: { kind: 'started', executor: 'raw' } }, ...diffEvents(diffParts(change.diff, 3), busy.nextSeq + 1).slice(0, 2)]);
    const arriving = await master.api(`/api/jobs/${busy.id}/diff?format=json`);
    expect([arriving.status, ((await arriving.json()) as ErrorBody).error.message]).toEqual([409, `job ${busy.id}'s diff is still arriving (2 of 3 parts so far)`]);
  });

  it('takes the diff of the last attempt when a re-run sent its own', async () => {
    master = await startTestMaster({ jobs: { maxAttempts: 3, defaultTimeoutSec: 3600, requeueGraceSec: 0.1, cancelWaitSec: 5, allowLocalRepos: false } });
    const first = await connect('first');
    await post('/api/jobs', { prompt: 'edit', repo: 'acme/app' });
    const spec = await first.assigned();
    await first.send(spec, [{ seq: spec.nextSeq, at: new Date().toISOString(), event: { kind: 'started', executor: 'raw' } }, ...diffEvents(['diff --git a/stale b/stale\n', 'old part 2\n'], spec.nextSeq + 1)]);
    first.close();
    const second = await connect('second');
    const retry = await second.assigned();
    expect(retry.attempt).toBe(2);
    await second.finish(retry, change.diff, { change: changeSummary(retry.id) }, 2);
    expect(await (await master.api(`/api/jobs/${retry.id}/diff`)).text()).toBe(change.diff);
  });

  it('loses and duplicates nothing when the master restarts while the diff is in flight', async () => {
    master = await startTestMaster();
    const { dataDir } = master.config;
    const port = master.ws.port;
    const node = await connect();
    await post('/api/jobs', { prompt: 'edit', repo: 'acme/app' });
    const spec = await node.assigned();
    const at = new Date().toISOString();
    const parts = diffEvents(diffParts(change.diff, 4), spec.nextSeq + 1);
    const events: SequencedJobEvent[] = [{ seq: spec.nextSeq, at, event: { kind: 'started', executor: 'raw' } }, ...parts];
    await node.send(spec, events.slice(0, 3));
    // Part 3 leaves without its acknowledgement: the master goes down with it in flight.
    node.sendOnly(spec, events.slice(3, 4));
    await master.close();
    await node.client.whenClosed();

    master = await startTestMaster({ dataDir, port });
    const back = await connect('builder', [spec.id]);
    // The node cannot know what was stored: it sends everything again, then the rest.
    const finished: SequencedJobEvent = { seq: events.length + 1, at, event: { kind: 'finished', result: { status: 'succeeded', filesChanged: [], commands: [], durationMs: 9, change: changeSummary(spec.id) } } };
    await back.send(spec, [...events, finished]);
    await waitFor(async () => (await getJob(spec.id)).status === 'succeeded', 'the job to finish');
    expect(await (await master.api(`/api/jobs/${spec.id}/diff`)).text()).toBe(change.diff);
    const stored = await logs(spec.id);
    expect(stored.map((e) => [e.seq, e.event.kind])).toEqual([...events, finished].map((e) => [e.seq, e.event.kind]));
  });
});

describe('POST /api/jobs/:id/publish', () => {
  it("asks the job's node, stores its answer in the result, tells the dashboards and answers with the job", async () => {
    master = await startTestMaster();
    const node = await connect();
    const spec = await finishedJob(node);
    const stream = await SseClient.open(`${master.httpUrl}/api/events`, { authorization: `Bearer ${master.adminToken.value}` });
    streams.push(stream);
    const answer = post(`/api/jobs/${spec.id}/publish`, { mode: 'pr' });
    const request = await node.publishRequest();
    expect(request).toMatchObject({ type: 'job_publish', jobId: spec.id, mode: 'pr', repo: 'acme/app', branch: `csc/job-${spec.id}`, base: 'main', title: 'Add a test for the parser' });
    expect(request.body).toBe(`Done: added a test.\n\n1 file changed, +3 −1\n- src/app.ts (+3 −1)\n\nJob #${spec.id}`);
    const publication = openedPullRequest(request);
    node.answer(request, publication);
    const { status, json } = await answer;
    expect(status).toBe(200);
    expect(json).toMatchObject({ id: spec.id, status: 'succeeded', result: { finalMessage: 'Done: added a test.', change: changeSummary(spec.id), publication } });
    expect((await getJob(spec.id)).result?.publication).toEqual(publication);
    const heard = await stream.next((e) => e.event === 'job' && (e.data as JobRecord).result?.publication !== undefined);
    expect((heard.data as JobRecord).result?.publication?.pullRequest?.url).toBe(`https://github.com/acme/app/pull/12`);
  });

  it('stores a failed publication with its error, and keeps the diff', async () => {
    master = await startTestMaster();
    const node = await connect();
    const spec = await finishedJob(node);
    const answer = post(`/api/jobs/${spec.id}/publish`, { mode: 'branch' });
    const request = await node.publishRequest();
    node.answer(request, { mode: 'branch', branch: request.branch, error: 'git push was refused: no GITHUB_TOKEN is set on node builder' });
    expect(await answer).toMatchObject({ status: 200, json: { result: { publication: { mode: 'branch', error: 'git push was refused: no GITHUB_TOKEN is set on node builder' } } } });
    expect((await getJob(spec.id)).result?.publication?.error).toContain('no GITHUB_TOKEN');
    expect(await (await master.api(`/api/jobs/${spec.id}/diff`)).text()).toBe(change.diff);
  });

  it('refuses a job that has not finished, or finished without a committed change', async () => {
    master = await startTestMaster();
    const node = await connect();
    await post('/api/jobs', { prompt: 'talk only' });
    const talk = await node.assigned();
    await node.finish(talk, undefined);
    const noChange = await post<ErrorBody>(`/api/jobs/${talk.id}/publish`, { mode: 'pr' });
    expect(noChange).toEqual({ status: 409, json: { error: { code: 'conflict', message: `job ${talk.id} has no committed change to publish: it ran without a repository` } } });

    await post('/api/jobs', { prompt: 'look around', repo: 'acme/app' });
    const uncommitted = await node.assigned();
    await node.finish(uncommitted, change.diff, { change: changeSummary(uncommitted.id, { headCommit: undefined, branch: undefined }) });
    expect((await post<ErrorBody>(`/api/jobs/${uncommitted.id}/publish`, { mode: 'pr' })).json.error.message).toBe(`job ${uncommitted.id} has no committed change to publish: its node committed nothing`);

    await post('/api/jobs', { prompt: 'still going', repo: 'acme/app' });
    const running = await node.assigned();
    const early = await post<ErrorBody>(`/api/jobs/${running.id}/publish`, { mode: 'pr' });
    expect(early).toEqual({ status: 409, json: { error: { code: 'conflict', message: `job ${running.id} is still assigned; publish it once it has finished` } } });
    expect((await post<ErrorBody>('/api/jobs/99/publish', { mode: 'pr' })).status).toBe(404);
    expect((await post<ErrorBody>(`/api/jobs/${talk.id}/publish`, { mode: 'tag' })).status).toBe(400);
  });

  it('sends one job_publish for the same request twice at once, and refuses the other mode meanwhile', async () => {
    master = await startTestMaster();
    const node = await connect();
    const spec = await finishedJob(node);
    const first = post(`/api/jobs/${spec.id}/publish`, { mode: 'pr' });
    const request = await node.publishRequest();
    const second = post(`/api/jobs/${spec.id}/publish`, { mode: 'pr' });
    const other = await post<ErrorBody>(`/api/jobs/${spec.id}/publish`, { mode: 'branch' });
    expect(other).toMatchObject({ status: 409, json: { error: { code: 'conflict', message: `job ${spec.id} is being published as a pull request; wait for that first` } } });
    node.answer(request, openedPullRequest(request, 21));
    const answers = await Promise.all([first, second]);
    expect(answers.map((a) => [a.status, a.json.result?.publication?.pullRequest?.number])).toEqual([
      [200, 21],
      [200, 21],
    ]);
    expect(node.client.received.filter((m) => m.json?.type === 'job_publish')).toEqual([]);
  });

  it("answers 503 node_unavailable when the job's node is not connected", async () => {
    master = await startTestMaster();
    const node = await connect();
    const spec = await finishedJob(node);
    node.close();
    await waitFor(async () => ((await (await master.api('/api/nodes')).json()) as { nodes: unknown[] }).nodes.length === 0, 'the node to leave');
    const answer = await post<ErrorBody>(`/api/jobs/${spec.id}/publish`, { mode: 'pr' });
    expect(answer).toEqual({
      status: 503,
      json: { error: { code: 'node_unavailable', message: `node builder, which holds job ${spec.id}'s branch csc/job-${spec.id}, is not connected; publish again once it is back` } },
    });
  });

  it('answers 504 node_timeout when the node is slow, and stores its late answer', async () => {
    master = await startTestMaster();
    const node = await connect();
    const spec = await finishedJob(node);
    const answer = post<ErrorBody>(`/api/jobs/${spec.id}/publish`, { mode: 'pr', waitSec: 1 });
    const request = await node.publishRequest();
    expect(await answer).toEqual({
      status: 504,
      json: { error: { code: 'node_timeout', message: `node builder did not answer within 1 s; its answer will still be stored with job ${spec.id} when it comes (GET /api/jobs/${spec.id} shows it)` } },
    });
    node.answer(request, openedPullRequest(request, 31));
    await waitFor(async () => (await getJob(spec.id)).result?.publication?.pullRequest?.number === 31, 'the late answer to be stored');
  });

  it('tells the caller when the node leaves mid-publish, and still stores the answer it sends after a master restart', async () => {
    master = await startTestMaster();
    const { dataDir } = master.config;
    const node = await connect();
    const spec = await finishedJob(node);
    const answer = post<ErrorBody>(`/api/jobs/${spec.id}/publish`, { mode: 'pr' });
    const request = await node.publishRequest();
    node.close();
    expect((await answer).json.error).toMatchObject({ code: 'node_unavailable', message: expect.stringContaining('node builder went away before it answered; its answer will still be stored') as unknown });

    await master.close();
    master = await startTestMaster({ dataDir });
    const back = await connect();
    back.answer(request, openedPullRequest(request, 44));
    await waitFor(async () => (await getJob(spec.id)).result?.publication?.pullRequest?.number === 44, 'the answer to be stored');
    // Another node cannot publish a job it never ran.
    const stranger = await connect('stranger');
    stranger.answer(request, openedPullRequest(request, 45));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await getJob(spec.id)).result?.publication?.pullRequest?.number).toBe(44);
  });
});

describe('jobs that publish and continue', () => {
  it('takes profile.publish in POST /api/jobs and hands it to the node', async () => {
    master = await startTestMaster();
    const node = await connect();
    const created = await post('/api/jobs', { prompt: 'fix it', repo: 'acme/app', profile: { publish: 'pr', model: 'gpt-5' } });
    expect(created).toMatchObject({ status: 201, json: { profile: { publish: 'pr', model: 'gpt-5' } } });
    expect((await node.assigned()).profile).toEqual({ publish: 'pr', model: 'gpt-5' });
    expect((await post<ErrorBody>('/api/jobs', { prompt: 'x', profile: { publish: 'tag' } })).status).toBe(400);
  });

  it("gives a follow-up its first job's repository and branch, so its commits land on the same pull request", async () => {
    master = await startTestMaster();
    const node = await connect();
    const first = await finishedJob(node, { ref: 'develop' });
    await post('/api/jobs', { prompt: 'now the docs', continueFrom: first.id });
    expect(await node.assigned()).toMatchObject({ repo: 'acme/app', ref: 'develop', branch: `csc/job-${first.id}` });
    // Elsewhere it starts a branch of its own.
    await post('/api/jobs', { prompt: 'another repo', repo: 'acme/other', continueFrom: first.id });
    const other = await node.assigned();
    expect([other.repo, other.branch]).toEqual(['acme/other', undefined]);
  });
});
