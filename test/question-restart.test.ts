import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/master/store/index.js';
import type { JobSummary, QuestionResultFrame } from '../src/protocol/index.js';
import { killMasterProcesses, MasterProcess } from '../src/test-support/master-process.js';
import { QuestionNode, commandQuestion } from '../src/test-support/question-node.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { TestClient } from '../src/test-support/test-client.js';

const clients: Array<{ close(): void }> = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  killMasterProcesses();
});
afterAll(removeTempDirs);

const CHAT = { platform: 'telegram', chatId: '7', userId: '42', userName: 'alice' } as const;

describe('a master killed with SIGKILL while questions wait', () => {
  it('shows them again after the restart, sends answers the node has not told Codex, and keeps their deadlines', { timeout: 60_000 }, async () => {
    const dataDir = tempDir();
    const master = await MasterProcess.start({ dataDir, env: { MASTER_JOB_REQUEUE_GRACE: '30' } });
    // The restart keeps the ports.
    const target = { wsUrl: master.wsUrl, nodeToken: { value: master.nodeToken() } };
    const bridgeToken = readFileSync(join(dataDir, 'bridge-token'), 'utf8').trim();
    const connectBridge = async (instance: string) => {
      const bridge = await TestClient.node(master.wsUrl, bridgeToken, { name: 'chat', role: 'bridge', nodeId: `bridge-${instance}` });
      clients.push(bridge);
      return bridge;
    };
    const post = async (path: string, body: unknown) => (await master.api(path, { method: 'POST', body: JSON.stringify(body) })).json() as Promise<JobRecord>;
    const node = await QuestionNode.connect(target, 'asker');
    clients.push(node);
    const bridge = await connectBridge('before');

    // From the chat, waiting; from the API with a short deadline; and one answered that the node has not told Codex yet.
    bridge.sendJson({ type: 'job_submit', requestId: 'submit-1', prompt: 'from the chat', origin: { kind: 'telegram', chatId: 7, messageId: 1 } });
    const chat = (await node.started()).id;
    await node.ask(chat, commandQuestion('a1q1'));
    const timed = (await post('/api/jobs', { prompt: 'short deadline', profile: { approvalTimeoutSec: 3 } })).id;
    await node.started();
    await node.ask(timed, commandQuestion('a1q1', { command: 'make deploy' }));
    const answered = (await post('/api/jobs', { prompt: 'answered' })).id;
    await node.started();
    await node.ask(answered, commandQuestion('a1q1'));
    await post(`/api/jobs/${answered}/questions/a1q1`, { decision: 'acceptForSession' });
    await node.answers(1);

    // Nothing but that answer yet: the short deadline runs out after the restart.
    expect(node.answered.map((frame) => frame.jobId)).toEqual([answered]);
    await master.kill();
    node.close();
    bridge.close();
    await master.restart();

    const back = await QuestionNode.connect(target, 'asker', [chat, timed, answered]);
    clients.push(back);
    const [again] = await back.answers(1);
    expect(again).toMatchObject({ jobId: answered, questionId: 'a1q1', answer: { decision: 'acceptForSession' }, by: { via: 'api', name: 'admin' } });
    const job = (await (await master.api(`/api/jobs/${chat}`)).json()) as JobRecord;
    expect(job).toMatchObject({ status: 'running', waiting: 'waiting for an answer to question a1q1 (Codex asks to run npm test)', questions: [{ status: 'pending' }] });

    // A bridge that follows nothing yet (a new process) is shown the job of its chat that waits.
    const chatBridge = await connectBridge('after');
    const update = await chatBridge.next((m) => m.json?.type === 'job_update');
    expect(update.json?.job as JobSummary).toMatchObject({ id: chat, questions: [{ status: 'pending', question: { id: 'a1q1' } }] });
    chatBridge.sendJson({ type: 'question_answer', requestId: 'r1', jobId: chat, questionId: 'a1q1', answer: { decision: 'accept' }, user: CHAT });
    const result = (await chatBridge.next((m) => m.json?.type === 'question_result')).json as unknown as QuestionResultFrame;
    expect(result).toMatchObject({ outcome: 'answered', state: { by: { via: 'telegram', name: 'alice' } } });

    // The short deadline, stored before the kill, still runs out.
    const frames = await back.answers(3, 10_000);
    expect(frames.slice(1).map((f) => [f.jobId, f.answer.decision, f.by.via]).sort()).toEqual([
      [chat, 'accept', 'telegram'],
      [timed, 'decline', 'timeout'],
    ]);
  });
});
