import { MAX_OUTBOX_FILE_BYTES, type JobSummary, type NodeSummary, type SequencedJobEvent } from '../../protocol/index.js';
import type { JobRecord } from '../store/index.js';
import { questionsForChat } from './bridge-questions.js';

/** Streaming deltas would flood a chat bridge; the finished message arrives as `agent_message`. */
const SKIPPED_EVENTS = new Set(['agent_message_delta']);
/** Diffs up to this many parts (256 KiB each) go to bridges, which attach small ones to the answer. */
const MAX_BRIDGE_DIFF_PARTS = 4;
/** Events of other kinds per update: the latest are the ones a progress line shows. */
const MAX_EVENTS = 50;
const MAX_PROMPT = 500;
/** File parts an update may gather before it is sent (about 1.3 MB of base64): outbox files travel in frames of bounded size. */
export const MAX_UPDATE_FILE_PARTS = 4;

/** What a chat needs of a job's events: no deltas, a diff only when small enough to attach, outbox files up to 10 MiB. */
export function forBridges(e: SequencedJobEvent): boolean {
  if (e.event.kind === 'diff') return e.event.parts <= MAX_BRIDGE_DIFF_PARTS;
  if (e.event.kind === 'file') return e.event.bytes <= MAX_OUTBOX_FILE_BYTES;
  return !SKIPPED_EVENTS.has(e.event.kind);
}

/** The events of an update as sent: every diff and file part (each is needed whole), and the latest others. */
export function trimmed(events: SequencedJobEvent[]): SequencedJobEvent[] {
  const parts = (e: SequencedJobEvent) => e.event.kind === 'diff' || e.event.kind === 'file';
  const others = events.filter((e) => !parts(e));
  const kept = new Set(others.slice(-MAX_EVENTS));
  return events.filter((e) => parts(e) || kept.has(e));
}

/** How many outbox file parts the events hold. */
export function fileParts(events: readonly SequencedJobEvent[]): number {
  return events.reduce((count, e) => count + (e.event.kind === 'file' ? 1 : 0), 0);
}

/** A job without its log, and its prompt cut short (a pipeline step's: the request, not its role's text): what a chat needs to show it. */
export function summarize(job: JobRecord): JobSummary {
  const optional = {
    node: job.node,
    repo: job.repo,
    continueFrom: job.continueFrom,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    error: job.error,
    result: job.result,
    questions: job.questions && questionsForChat(job.questions),
    profileName: job.profileName,
    pipeline: job.pipeline && { id: job.pipeline.id, role: job.pipeline.role, step: job.pipeline.step, steps: job.pipeline.steps },
  };
  const present = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined));
  return { id: job.id, status: job.status, prompt: (job.pipeline?.request ?? job.prompt).slice(0, MAX_PROMPT), createdAt: job.createdAt, lastSeq: job.lastSeq, ...present };
}

/** A connected node as the hub lists it. */
export interface ListedNode {
  name: string;
  status: 'online' | 'unresponsive';
  tags: string[];
  capabilities: { slots: number; codexVersion?: string | undefined };
  version?: string | undefined;
  /** The jobs out on a node of another master, as that master published them (absent: one of this master's, whose jobs it holds). */
  running?: number[] | undefined;
}

/** A node for `/status`: its slots, running jobs, and versions. */
export function nodeSummary(node: ListedNode, running: number[]): NodeSummary {
  const summary: NodeSummary = { name: node.name, status: node.status, tags: node.tags, slots: node.capabilities.slots, running };
  if (node.version !== undefined) summary.version = node.version;
  if (node.capabilities.codexVersion !== undefined) summary.codexVersion = node.capabilities.codexVersion;
  return summary;
}
