import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { QuestionState, SequencedJobEvent } from '../../protocol/index.js';
import { QuestionNode, commandQuestion } from '../../test-support/question-node.js';
import { SseClient } from '../../test-support/sse-client.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';
import type { JobRecord } from '../store/index.js';

let master: TestMaster;
const nodes: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) node.close();
  await master.close();
});
afterAll(removeTempDirs);

async function connect(name = 'asker', runningJobs: number[] = []): Promise<QuestionNode> {
  const node = await QuestionNode.connect(master, name, runningJobs);
  nodes.push(node);
  return node;
}

async function post<T>(path: string, body: unknown): Promise<{ status: number; json: T }> {
  const res = await master.api(path, { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as T };
}
const getJob = async (id: number) => (await (await master.api(`/api/jobs/${id}`)).json()) as JobRecord;
const questionsOf = async (id: number) => ((await (await master.api(`/api/jobs/${id}/questions`)).json()) as { questions: QuestionState[] }).questions;
const logs = async (id: number) => ((await (await master.api(`/api/jobs/${id}/logs`)).json()) as { events: SequencedJobEvent[] }).events;
const answer = (id: number, qid: string, body: unknown) => post<{ question: QuestionState; error?: { code: string; message: string } }>(`/api/jobs/${id}/questions/${qid}`, body);

/** A job that runs on `node` and has asked question a1q1. */
async function askedJob(node: QuestionNode, profile: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<number> {
  const { json: job } = await post<JobRecord>('/api/jobs', { prompt: 'run the tests', profile, ...extra });
  await node.started();
  await node.ask(job.id, commandQuestion('a1q1'));
  return job.id;
}

describe("Codex's questions on the master", () => {
  it('keeps a question pending, says the job waits for it, and hands the first answer to the node', async () => {
    master = await startTestMaster();
    const node = await connect();
    const feed = await SseClient.open(`${master.httpUrl}/api/events`, { authorization: `Bearer ${master.adminToken.value}` });
    nodes.push(feed);
    const before = Date.now();
    const id = await askedJob(node);

    const job = await getJob(id);
    expect(job.waiting).toBe('waiting for an answer to question a1q1 (Codex asks to run npm test)');
    expect(job.questions).toEqual([
      { question: commandQuestion('a1q1'), attempt: 1, askedAt: expect.any(String) as unknown, deadline: expect.any(String) as unknown, status: 'pending' },
    ]);
    const deadline = Date.parse(job.questions?.[0]?.deadline ?? '');
    expect(deadline - before).toBeGreaterThanOrEqual(600_000);
    expect(deadline - Date.now()).toBeLessThanOrEqual(600_000);
    expect((await (await master.api('/api/jobs')).json()) as { jobs: JobRecord[] }).toMatchObject({ jobs: [{ id, waiting: job.waiting }] });
    // The dashboard's live feed says so too.
    const live = await feed.next((e) => e.event === 'job' && (e.data as JobRecord).questions !== undefined);
    expect(live.data).toMatchObject({ id, waiting: job.waiting, questions: [{ status: 'pending' }] });

    const res = await answer(id, 'a1q1', { decision: 'accept', via: 'dashboard' });
    expect(res.status).toBe(200);
    expect(res.json.question).toMatchObject({ status: 'answered', answer: { decision: 'accept' }, by: { via: 'dashboard', name: 'admin' } });
    const [frame] = await node.answers(1);
    expect(frame).toEqual({ type: 'job_answer', jobId: id, questionId: 'a1q1', answer: { decision: 'accept' }, by: res.json.question.by });
    expect((await getJob(id)).waiting).toBeUndefined();

    await node.tell(id, 'a1q1', { decision: 'accept' }, res.json.question.by as NonNullable<QuestionState['by']>);
    expect(await questionsOf(id)).toEqual([res.json.question]);
    expect((await logs(id)).map((e) => e.event.kind)).toEqual(['started', 'question', 'answer']);
  });

  it('refuses a second answer with who decided, when; an unknown question; and a decision not offered', async () => {
    master = await startTestMaster();
    const node = await connect();
    const { json: job } = await post<JobRecord>('/api/jobs', { prompt: 'edit' });
    await node.started();
    await node.ask(job.id, commandQuestion('a1q1', { decisions: ['accept', 'decline'] }));

    const offered = await answer(job.id, 'a1q1', { decision: 'acceptForSession' });
    expect(offered.status).toBe(400);
    expect(offered.json.error?.message).toBe('question a1q1 offers accept, decline, not acceptForSession');
    expect((await answer(job.id, 'a1q9', { decision: 'accept' })).status).toBe(404);
    expect((await answer(999, 'a1q1', { decision: 'accept' })).status).toBe(404);
    expect((await answer(job.id, 'a1q1', { decision: 'accept', via: 'telegram' })).status).toBe(400);

    const first = await answer(job.id, 'a1q1', { decision: 'accept', via: 'cli', text: 'go ahead' });
    expect(first.json.question.answer).toEqual({ decision: 'accept', text: 'go ahead' });
    const second = await answer(job.id, 'a1q1', { decision: 'decline' });
    expect(second.status).toBe(409);
    expect(second.json.error).toEqual({ code: 'conflict', message: `already decided: accept by admin (cli) at ${first.json.question.by?.at ?? ''}` });
    expect(await node.answers(1)).toHaveLength(1);
  });

  it('lets exactly one of answers sent at once win', async () => {
    master = await startTestMaster();
    const node = await connect();
    const id = await askedJob(node);
    const decisions = ['accept', 'decline', 'acceptForSession', 'cancel', 'accept', 'decline'];
    const results = await Promise.all(decisions.map((decision) => answer(id, 'a1q1', { decision })));
    const won = results.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(decisions.length - 1);
    const [frame] = await node.answers(1);
    expect(frame?.answer).toEqual(won[0]?.json.question.answer);
    // Once the node has told Codex, nothing more is on its way: one answer, however many asked.
    await node.tell(id, 'a1q1', frame?.answer ?? { decision: 'decline' }, frame?.by ?? { via: 'api', at: '' });
    expect(node.answered).toHaveLength(1);
  });

  it('declines a question nobody answers by its deadline, pausing the job timeout meanwhile', async () => {
    master = await startTestMaster();
    const node = await connect();
    const { json: job } = await post<JobRecord>('/api/jobs', { prompt: 'slow to decide', timeoutSec: 1, profile: { approvalTimeoutSec: 2 } });
    await node.started();
    const asked = Date.now();
    await node.ask(job.id, commandQuestion('a1q1'));

    const [frame] = await node.answers(1, 5000);
    const declinedAt = Date.now();
    expect(frame).toMatchObject({ jobId: job.id, questionId: 'a1q1', answer: { decision: 'decline' }, by: { via: 'timeout' } });
    expect(declinedAt - asked).toBeGreaterThanOrEqual(1900);
    // Two seconds after it was asked, past its own one-second timeout, the job still runs: the clock was stopped.
    const waited = await getJob(job.id);
    expect(waited.status).toBe('running');
    expect(waited.questions?.[0]).toMatchObject({ status: 'answered', answer: { decision: 'decline' }, by: { via: 'timeout' } });
    const late = await answer(job.id, 'a1q1', { decision: 'accept' });
    expect(late.json.error?.message).toMatch(/^already decided: question a1q1 was declined at .*, unanswered by its deadline$/);

    // The clock runs on with what was left of the second.
    await waitFor(async () => (await getJob(job.id)).status === 'failed', 'the job to time out', 3000);
    expect(Date.now() - declinedAt).toBeLessThan(1500);
    expect((await getJob(job.id)).error).toBe('timed out after 1 s');
  });

  it('makes pending questions moot when the job ends or its attempt is re-queued', async () => {
    master = await startTestMaster({ jobs: { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceSec: 0.2, cancelWaitSec: 5, allowLocalRepos: false } });
    const first = await connect('first');
    const ended = await askedJob(first);
    await first.finish(ended);
    expect(await questionsOf(ended)).toMatchObject([{ status: 'moot' }]);
    expect((await answer(ended, 'a1q1', { decision: 'accept' })).json.error).toEqual({
      code: 'conflict',
      message: 'already decided: question a1q1 no longer waits (the attempt of the job that asked it is over)',
    });

    const requeued = await askedJob(first);
    first.close();
    const second = await connect('second');
    const spec = await second.started();
    expect(spec).toMatchObject({ id: requeued, attempt: 2 });
    const job = await getJob(requeued);
    expect(job.questions).toMatchObject([{ attempt: 1, status: 'moot' }]);
    expect(job.waiting).toBeUndefined();
    await second.ask(requeued, commandQuestion('a2q1'));
    expect((await questionsOf(requeued)).map((q) => [q.question.id, q.attempt, q.status])).toEqual([
      ['a1q1', 1, 'moot'],
      ['a2q1', 2, 'pending'],
    ]);
  });

  it('sends an answer again to a node that comes back before it told Codex, and not after', async () => {
    master = await startTestMaster();
    let node = await connect();
    const id = await askedJob(node);
    node.close();
    await waitFor(async () => ((await (await master.api('/api/nodes')).json()) as { nodes: unknown[] }).nodes.length === 0, 'the node to be gone');
    // Answered while the node is away: it gets the answer when it is back.
    const { json } = await answer(id, 'a1q1', { decision: 'acceptForSession' });
    node = await connect('asker', [id]);
    const [frame] = await node.answers(1);
    expect(frame).toMatchObject({ questionId: 'a1q1', answer: { decision: 'acceptForSession' } });

    // Back again without having told Codex: once more.
    node.close();
    node = await connect('asker', [id]);
    await node.answers(1);
    node.resume(id, 1, 3);
    await node.tell(id, 'a1q1', { decision: 'acceptForSession' }, json.question.by as NonNullable<QuestionState['by']>);

    // Told: a reconnect brings nothing (its welcome and nothing else before a new question's ack).
    node.close();
    node = await connect('asker', [id]);
    node.resume(id, 1, 4);
    await node.ask(id, commandQuestion('a1q2'));
    expect(node.answered).toEqual([]);
  });

  it('records what the node settled itself (its turn ended), sending nothing back', async () => {
    master = await startTestMaster();
    const node = await connect();
    const id = await askedJob(node);
    const by = { via: 'node' as const, at: new Date().toISOString() };
    await node.tell(id, 'a1q1', { decision: 'decline' }, by);
    expect(await questionsOf(id)).toMatchObject([{ status: 'answered', answer: { decision: 'decline' }, by }]);
    expect((await getJob(id)).waiting).toBeUndefined();
    expect(node.answered).toEqual([]);
  });
});
