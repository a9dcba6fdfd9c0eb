import type { ChangeSummary, JobPublishFrame, JobResult, JobSpec, Publication, SequencedJobEvent } from '../protocol/index.js';
import { TestClient } from './test-client.js';

/** Where a raw test node connects: a `TestMaster` has all of these. */
export interface NodeTarget {
  wsUrl: string;
  nodeToken: { value: string };
}

/** Splits a diff into `count` parts of about the same length, cut anywhere (a node cuts by size, not by line). */
export function diffParts(diff: string, count: number): string[] {
  const size = Math.ceil(diff.length / count);
  return Array.from({ length: count }, (_, i) => diff.slice(i * size, (i + 1) * size));
}

/** The `diff` events of a diff cut into parts, numbered from `firstSeq`. */
export function diffEvents(parts: string[], firstSeq: number): SequencedJobEvent[] {
  const at = new Date().toISOString();
  return parts.map((text, i) => ({ seq: firstSeq + i, at, event: { kind: 'diff', part: i + 1, parts: parts.length, text } }));
}

/** A change as a node reports it in the job's result. */
export function changeSummary(jobId: number, overrides: Partial<ChangeSummary> = {}): ChangeSummary {
  return {
    baseCommit: 'a'.repeat(40),
    headCommit: 'b'.repeat(40),
    branch: `csc/job-${jobId}`,
    files: [{ path: 'src/app.ts', status: 'modified', added: 3, removed: 1, binary: false }],
    added: 3,
    removed: 1,
    diffBytes: 100,
    truncated: false,
    ...overrides,
  };
}

/**
 * A node played by a raw WebSocket client, as the master sees a real one: it takes `job_assign`,
 * sends numbered `job_events` (diff parts included) and answers `job_publish` however a test says.
 */
export class ChangeNode {
  private constructor(
    readonly client: TestClient,
    readonly name: string,
  ) {}

  static async connect(target: NodeTarget, name: string, runningJobs: number[] = []): Promise<ChangeNode> {
    const hello = { name, nodeId: `${name}-node-id`, capabilities: { slots: 4, executors: ['raw'] }, runningJobs };
    return new ChangeNode(await TestClient.node(target.wsUrl, target.nodeToken.value, hello), name);
  }

  /** The next job the master assigns to this node. */
  async assigned(timeoutMs = 3000): Promise<JobSpec> {
    const frame = await this.client.next((m) => m.json?.type === 'job_assign', timeoutMs);
    return (frame.json as unknown as { job: JobSpec }).job;
  }

  /** Sends events of a job and resolves with the master's acknowledgement of the last one. */
  async send(spec: JobSpec, events: SequencedJobEvent[]): Promise<void> {
    this.sendOnly(spec, events);
    const last = events.at(-1)?.seq ?? 0;
    await this.client.next((m) => m.json?.type === 'job_ack' && m.json.jobId === spec.id && m.json.seq >= last);
  }

  /** Sends events without waiting for their acknowledgement (a frame in flight). */
  sendOnly(spec: JobSpec, events: SequencedJobEvent[]): void {
    this.client.sendJson({ type: 'job_events', jobId: spec.id, attempt: spec.attempt, events });
  }

  /** Runs a job to its end: `started`, the diff in `parts` parts (if any), then `finished` with `result`. */
  async finish(spec: JobSpec, diff: string | undefined, result: Partial<JobResult> = {}, parts = 3): Promise<SequencedJobEvent[]> {
    const at = new Date().toISOString();
    const started: SequencedJobEvent = { seq: spec.nextSeq, at, event: { kind: 'started', executor: 'raw' } };
    const diffs = diff === undefined ? [] : diffEvents(diffParts(diff, parts), spec.nextSeq + 1);
    const final: JobResult = { status: 'succeeded', finalMessage: 'Done: added a test.', filesChanged: [], commands: [], durationMs: 5, ...result };
    const finished: SequencedJobEvent = { seq: spec.nextSeq + 1 + diffs.length, at, event: { kind: 'finished', result: final } };
    const events = [started, ...diffs, finished];
    await this.send(spec, events);
    return events;
  }

  /** The next `job_publish` the master sends this node. */
  async publishRequest(timeoutMs = 3000): Promise<JobPublishFrame> {
    const frame = await this.client.next((m) => m.json?.type === 'job_publish', timeoutMs);
    return frame.json as unknown as JobPublishFrame;
  }

  /** Answers a `job_publish` as the node would once it has pushed (and opened the pull request). */
  answer(request: JobPublishFrame, publication: Publication): void {
    this.client.sendJson({ type: 'job_published', requestId: request.requestId, jobId: request.jobId, publication });
  }

  close(): void {
    this.client.close();
  }
}

/** What a node answers for a pull request it opened. */
export function openedPullRequest(request: JobPublishFrame, number = 12): Publication {
  return { mode: request.mode, branch: request.branch, pushedAt: new Date().toISOString(), pullRequest: { number, url: `https://github.com/${request.repo}/pull/${number}` } };
}
