import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobQuestion, JobSummary, QuestionResultFrame, QuestionState, SequencedJobEvent } from '../../protocol/index.js';
import { QuestionNode, commandQuestion } from '../../test-support/question-node.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient, type Received } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';

let master: TestMaster;
const clients: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await master.close();
});
afterAll(removeTempDirs);

const CHAT = { platform: 'telegram', chatId: '7', userId: '42', userName: 'alice' } as const;

/** A raw bridge; the same `nodeId` again is the same bridge reconnecting (its stale connection is replaced). */
async function bridgeClient(name = 'chat'): Promise<TestClient> {
  const bridge = await TestClient.node(master.wsUrl, master.bridgeToken.value, { name, role: 'bridge', nodeId: `${name}-instance` });
  clients.push(bridge);
  return bridge;
}

/** A job submitted from Telegram chat 7 through `bridge`, running on a raw node that has asked `question`. */
async function askedFromChat(question: JobQuestion = commandQuestion('a1q1')): Promise<{ bridge: TestClient; node: QuestionNode; id: number }> {
  master = await startTestMaster();
  const node = await QuestionNode.connect(master, 'asker');
  clients.push(node);
  const bridge = await bridgeClient();
  bridge.sendJson({ type: 'job_submit', requestId: 'submit-1', prompt: 'run the tests', origin: { kind: 'telegram', chatId: 7, messageId: 1, userId: 42 } });
  const spec = await node.started();
  await node.ask(spec.id, question);
  return { bridge, node, id: spec.id };
}

const isUpdate = (m: Received) => m.json?.type === 'job_update';
const summaryOf = (m: Received) => m.json?.job as JobSummary;
const pendingUpdate = (m: Received) => isUpdate(m) && summaryOf(m).questions?.some((q) => q.status === 'pending') === true;

async function ask(bridge: TestClient, requestId: string, body: Record<string, unknown>): Promise<QuestionResultFrame> {
  bridge.sendJson({ type: 'question_answer', requestId, questionId: 'a1q1', answer: { decision: 'accept' }, user: CHAT, ...body });
  return (await bridge.next((m) => m.json?.type === 'question_result' && m.json.requestId === requestId)).json as unknown as QuestionResultFrame;
}

describe('questions through a chat bridge', () => {
  it("shows the question in the job's updates, takes the chat's answer and hands it to the node", async () => {
    const { bridge, node, id } = await askedFromChat();
    const update = await bridge.next(pendingUpdate);
    expect(summaryOf(update).questions).toMatchObject([{ question: commandQuestion('a1q1'), status: 'pending', attempt: 1 }]);
    expect((update.json?.events as SequencedJobEvent[]).map((e) => e.event.kind)).toContain('question');

    const result = await ask(bridge, 'answer-1', { jobId: id });
    expect(result).toMatchObject({ outcome: 'answered', message: `Approved (job ${id}, question a1q1).`, state: { status: 'answered', by: { via: 'telegram', userId: '42', name: 'alice' } } });
    const [frame] = await node.answers(1);
    expect(frame).toEqual({ type: 'job_answer', jobId: id, questionId: 'a1q1', answer: { decision: 'accept' }, by: result.state?.by });
    const decided = await bridge.next((m) => isUpdate(m) && summaryOf(m).questions?.[0]?.status === 'answered');
    expect(summaryOf(decided).questions?.[0]).toEqual(result.state);

    const again = await ask(bridge, 'answer-2', { jobId: id, answer: { decision: 'decline' } });
    expect(again).toMatchObject({ outcome: 'already_decided', state: result.state });
    expect(again.message).toBe(`Already decided: accept by alice (telegram) at ${result.state?.by?.at ?? ''}`);
    expect(node.answered).toHaveLength(1);
  });

  it('refuses an answer from another chat or platform, changing nothing', async () => {
    const { bridge, node, id } = await askedFromChat();
    const stranger = await ask(bridge, 'stranger-1', { jobId: id, user: { ...CHAT, chatId: '8' } });
    expect(stranger).toEqual({ type: 'question_result', requestId: 'stranger-1', outcome: 'refused', message: `Job ${id} was not started in this chat: only its own chat may answer its questions.` });
    expect((await ask(bridge, 'stranger-2', { jobId: id, user: { ...CHAT, platform: 'slack' } })).outcome).toBe('refused');
    const questions = ((await (await master.api(`/api/jobs/${id}/questions`)).json()) as { questions: QuestionState[] }).questions;
    expect(questions).toMatchObject([{ status: 'pending' }]);
    expect(questions[0]?.by).toBeUndefined();

    expect(await ask(bridge, 'none-1', { jobId: 999 })).toMatchObject({ outcome: 'not_found', message: 'There is no job 999.' });
    expect(await ask(bridge, 'none-2', { jobId: id, questionId: 'a1q7' })).toMatchObject({ outcome: 'not_found', message: `Job ${id} has no question a1q7.` });
    expect(node.answered).toEqual([]);
  });

  it('lets one of a chat answer and an HTTP answer sent at once win', async () => {
    const { bridge, node, id } = await askedFromChat();
    bridge.sendJson({ type: 'question_answer', requestId: 'race', jobId: id, questionId: 'a1q1', answer: { decision: 'decline' }, user: CHAT });
    const http = await master.api(`/api/jobs/${id}/questions/a1q1`, { method: 'POST', body: JSON.stringify({ decision: 'accept' }) });
    const chat = (await bridge.next((m) => m.json?.type === 'question_result')).json as unknown as QuestionResultFrame;
    // Whichever came first, the other is told it was decided already.
    const chatWon = chat.outcome === 'answered';
    expect({ chat: chat.outcome, http: http.status }).toEqual(chatWon ? { chat: 'answered', http: 409 } : { chat: 'already_decided', http: 200 });
    const [frame] = await node.answers(1);
    expect(frame?.answer.decision).toBe(chatWon ? 'decline' : 'accept');
    expect(node.answered).toHaveLength(1);
  });

  it('shows a file change without its diff, and a bridge that comes back the jobs waiting for its chats', async () => {
    const change = { path: 'src/app.ts', kind: 'update' as const, diff: '@@ -1 +1 @@\n-a\n+b\n', added: 1, removed: 1 };
    const question: JobQuestion = { kind: 'file_change', id: 'a1q1', method: 'item/fileChange/requestApproval', decisions: ['accept', 'decline'], changes: [change] };
    const { bridge, id } = await askedFromChat(question);
    const withoutDiff = { path: 'src/app.ts', kind: 'update', added: 1, removed: 1 };
    expect(summaryOf(await bridge.next(pendingUpdate)).questions?.[0]?.question).toEqual({ ...question, changes: [withoutDiff] });
    const full = ((await (await master.api(`/api/jobs/${id}`)).json()) as { questions: QuestionState[] }).questions;
    expect(full[0]?.question).toEqual(question);

    // The bridge comes back without saying which jobs it follows, yet hears of the job waiting for its chat.
    const back = await bridgeClient();
    expect(summaryOf(await back.next(pendingUpdate))).toMatchObject({ id, status: 'running', questions: [{ status: 'pending' }] });
    const other = await bridgeClient('another-bridge');
    await other.next((m) => m.json?.type === 'bridge_config');
    other.sendJson({ type: 'status_request', requestId: 's' });
    await other.next((m) => m.json?.type === 'status');
    expect(other.received.filter(isUpdate)).toEqual([]);
  });

  it('takes question_answer from bridges only', async () => {
    const { node, id } = await askedFromChat();
    node.client.sendJson({ type: 'question_answer', requestId: 'n', jobId: id, questionId: 'a1q1', answer: { decision: 'accept' }, user: CHAT });
    expect((await node.client.next((m) => m.json?.type === 'error')).json).toMatchObject({ code: 'forbidden', ref: 'question_answer' });
  });
});
