import { createNodeWorker, type Executor, type GitHubSettings, type NodeWorker, type Workspaces } from '../node/index.js';
import type { Frame, JobPublishFrame, JobResult, JobSpec, Publication, SequencedJobEvent } from '../protocol/index.js';
import { captureLog, type LogLine } from './log-capture.js';
import { startScriptedMaster, type ScriptedMaster } from './scripted-master.js';
import { waitFor } from './wait.js';

/** A real node worker on a stand-in master the test speaks for, with its log kept. */
export interface ScriptedNode {
  stand: ScriptedMaster;
  worker: NodeWorker;
  lines: LogLine[];
}

export interface ScriptedNodeOptions {
  executor: Executor;
  workspaces: Workspaces;
  github?: GitHubSettings;
  branchRetentionDays?: number;
  /** Connect to this stand-in (a node restart) instead of a new one. */
  stand?: ScriptedMaster;
}

/** Starts the node and waits for the stand-in's welcome; stop it with `worker.agent.stop()`. */
export async function startScriptedNode(options: ScriptedNodeOptions): Promise<ScriptedNode> {
  const stand = options.stand ?? (await startScriptedMaster());
  const hellos = () => stand.received.filter((f) => f.type === 'hello').length;
  const before = hellos();
  const { worker, lines } = startChangeNode(stand.url, 'node-token', options);
  await waitFor(() => worker.agent.connected && hellos() > before, 'the node to be welcomed');
  return { stand, worker, lines };
}

/** A real node worker with the settings of a job's change (workspaces, GitHub), its log kept, started. */
export function startChangeNode(url: string, token: string, options: Omit<ScriptedNodeOptions, 'stand'>): { worker: NodeWorker; lines: LogLine[] } {
  const { log, lines } = captureLog('debug');
  const worker = createNodeWorker(
    {
      urls: [url],
      name: 'change-node',
      nodeId: 'node-change-test',
      tags: [],
      version: 'test',
      slots: 2,
      executor: options.executor,
      workspaces: options.workspaces,
      ...(options.github === undefined ? {} : { github: options.github }),
      ...(options.branchRetentionDays === undefined ? {} : { branchRetentionDays: options.branchRetentionDays }),
      token: () => token,
      tokenHint: '',
    },
    log,
  );
  worker.agent.start();
  return { worker, lines };
}

/** Every event the node sent for job `jobId`, in order. */
function jobEvents(stand: ScriptedMaster, jobId: number): SequencedJobEvent[] {
  return stand.received.flatMap((f) => (f.type === 'job_events' && f.jobId === jobId ? f.events : []));
}

/** Assigns `spec`, waits for its `finished` event, acknowledges everything, and returns its events. */
export async function runJob(stand: ScriptedMaster, spec: JobSpec): Promise<SequencedJobEvent[]> {
  stand.send({ type: 'job_assign', job: spec });
  const events = await waitFor(() => {
    const sent = jobEvents(stand, spec.id);
    return sent.some((e) => e.event.kind === 'finished') ? sent : undefined;
  }, `job ${spec.id} to finish`, 20_000);
  stand.send({ type: 'job_ack', jobId: spec.id, seq: events.at(-1)?.seq ?? 0 });
  return events;
}

/** The standard result in a job's `finished` event. */
export function resultOf(events: SequencedJobEvent[]): JobResult {
  const finished = events.find((e) => e.event.kind === 'finished')?.event;
  if (finished?.kind !== 'finished') throw new Error('the job has no finished event');
  return finished.result;
}

/** The job's unified diff: its `diff` events' texts, joined in order. */
export function diffOf(events: SequencedJobEvent[]): string {
  return events.flatMap((e) => (e.event.kind === 'diff' ? [e.event.text] : [])).join('');
}

/** Sends a `job_publish` and waits for the node's `job_published`. */
export async function publishLater(stand: ScriptedMaster, frame: Omit<JobPublishFrame, 'type'>): Promise<Publication> {
  stand.send({ type: 'job_publish', ...frame });
  const answer = await waitFor(
    () => stand.received.find((f): f is Extract<Frame, { type: 'job_published' }> => f.type === 'job_published' && f.requestId === frame.requestId),
    `the answer to ${frame.requestId}`,
    20_000,
  );
  return answer.publication;
}
