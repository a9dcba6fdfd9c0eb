import type { Answerer, JobAnswerFrame, JobEvent, JobQuestion, JobSpec, QuestionAnswer } from '../protocol/index.js';
import type { NodeTarget } from './change-node.js';
import { TestClient } from './test-client.js';

/** A command approval as a node forwards it (`id` as the node makes them: `a<attempt>q<n>`). */
export function commandQuestion(id: string, overrides: Partial<Extract<JobQuestion, { kind: 'command' }>> = {}): JobQuestion {
  return {
    kind: 'command',
    id,
    method: 'item/commandExecution/requestApproval',
    command: 'npm test',
    cwd: '/work/app',
    reason: 'run the tests',
    decisions: ['accept', 'acceptForSession', 'decline', 'cancel'],
    ...overrides,
  };
}

/**
 * A node played by a raw WebSocket client that asks questions the way a real one does: it takes
 * `job_assign`, sends numbered `question` (and other) events, records every `job_answer` the
 * master sends, and tells the master what it told Codex (`answer` events).
 */
export class QuestionNode {
  /** Every `job_answer` received, in order (`answers()` waits for them). */
  readonly answered: JobAnswerFrame[] = [];
  private readonly nextSeq = new Map<number, number>();
  private readonly attempts = new Map<number, number>();

  private constructor(
    readonly client: TestClient,
    readonly name: string,
  ) {
    // Those that came with the welcome, before this listener: a node that is back gets its answers at once.
    for (const m of client.received) if (m.json?.type === 'job_answer') this.answered.push(m.json);
    client.ws.on('message', (data) => {
      const text = (data as Buffer).toString('utf8');
      if (text.startsWith('{"type":"job_answer"')) this.answered.push(JSON.parse(text) as JobAnswerFrame);
    });
  }

  /** Connects and says hello, claiming `runningJobs` (a node coming back mid-job). */
  static async connect(target: NodeTarget, name: string, runningJobs: number[] = []): Promise<QuestionNode> {
    const hello = { name, nodeId: `${name}-node-id`, capabilities: { slots: 4, executors: ['raw'] }, runningJobs };
    return new QuestionNode(await TestClient.node(target.wsUrl, target.nodeToken.value, hello), name);
  }

  /** The next job assigned, started (its `started` event acknowledged). */
  async started(timeoutMs = 3000): Promise<JobSpec> {
    const frame = await this.client.next((m) => m.json?.type === 'job_assign', timeoutMs);
    const spec = (frame.json as unknown as { job: JobSpec }).job;
    this.resume(spec.id, spec.attempt, spec.nextSeq);
    await this.emit(spec.id, { kind: 'started', executor: 'raw' });
    return spec;
  }

  /** Picks up an attempt of a job this node runs (after a reconnect), its next event numbered `nextSeq`. */
  resume(jobId: number, attempt: number, nextSeq: number): void {
    this.attempts.set(jobId, attempt);
    this.nextSeq.set(jobId, nextSeq);
  }

  /** Sends one event of a job and resolves once the master has acknowledged it. */
  async emit(jobId: number, event: JobEvent): Promise<number> {
    const attempt = this.attempts.get(jobId);
    const seq = this.nextSeq.get(jobId);
    if (attempt === undefined || seq === undefined) throw new Error(`job ${jobId} was not started on ${this.name}`);
    this.nextSeq.set(jobId, seq + 1);
    this.client.sendJson({ type: 'job_events', jobId, attempt, events: [{ seq, at: new Date().toISOString(), event }] });
    await this.client.next((m) => m.json?.type === 'job_ack' && m.json.jobId === jobId && m.json.seq >= seq);
    return seq;
  }

  /** Codex asks: the question goes to the master as a `question` event. */
  ask(jobId: number, question: JobQuestion): Promise<number> {
    return this.emit(jobId, { kind: 'question', question });
  }

  /** The node tells the master what it told Codex. */
  tell(jobId: number, questionId: string, answer: QuestionAnswer, by: Answerer): Promise<number> {
    return this.emit(jobId, { kind: 'answer', questionId, answer, by });
  }

  /** Resolves once `count` `job_answer` frames in all have arrived; returns them all. */
  async answers(count: number, timeoutMs = 3000): Promise<JobAnswerFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.answered.length < count) {
      if (Date.now() > deadline) throw new Error(`${this.name} got ${this.answered.length} job_answer frame(s) within ${timeoutMs} ms, not ${count}`);
      await this.client.next((m) => m.text.startsWith('{"type":"job_answer"'), Math.max(1, deadline - Date.now())).catch(() => undefined);
    }
    return this.answered;
  }

  /** Ends a job as succeeded. */
  finish(jobId: number): Promise<number> {
    return this.emit(jobId, { kind: 'finished', result: { status: 'succeeded', filesChanged: [], commands: [], durationMs: 5 } });
  }

  close(): void {
    this.client.close();
  }
}
