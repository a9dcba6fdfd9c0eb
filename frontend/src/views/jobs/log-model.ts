import type { FileChange, SequencedJobEvent } from '../../api/types.js';
import { text } from '../../i18n/active.js';
import { answererText, genericDone, questionSummary } from './questions/question-model.js';

/**
 * One block of a job's log as the dashboard shows it. `key` is the seq of its first event; `end`,
 * where it differs, the seq of the last event folded into it (the complete message, the finish).
 * `orphan` marks a finished command whose start lies in a page not loaded yet.
 */
export type LogItem =
  | { type: 'message'; key: number; end?: number; text: string; streaming: boolean }
  | { type: 'command'; key: number; end?: number; orphan?: true; command: string; cwd?: string; exitCode?: number | null; output?: string; durationMs?: number }
  | { type: 'files'; key: number; changes: FileChange[] }
  | { type: 'note'; key: number; tone: 'info' | 'warn' | 'error'; text: string };

export interface LogModel {
  items: LogItem[];
  /** Lowest seq loaded (0: none): older pages are asked for with `before` this. */
  firstSeq: number;
  /** Highest seq applied: later deliveries of the same events (a reconnect) are ignored. */
  lastSeq: number;
}

export const EMPTY_LOG: LogModel = { items: [], firstSeq: 0, lastSeq: 0 };

/**
 * Folds new events into the log: message deltas grow one streaming message (which the complete
 * `agent_message` then replaces), and a finished command fills in the block its start opened.
 */
export function appendEvents(model: LogModel, events: readonly SequencedJobEvent[]): LogModel {
  const items = [...model.items];
  let { firstSeq, lastSeq } = model;
  for (const sequenced of events) {
    if (sequenced.seq <= lastSeq) continue;
    lastSeq = sequenced.seq;
    if (firstSeq === 0) firstSeq = sequenced.seq;
    applyEvent(items, sequenced);
  }
  return { items, firstSeq, lastSeq };
}

function applyEvent(items: LogItem[], { seq, event }: SequencedJobEvent): void {
  const last = items.at(-1);
  const streaming = last?.type === 'message' && last.streaming ? last : undefined;
  switch (event.kind) {
    case 'agent_message_delta':
      if (streaming) items[items.length - 1] = { ...streaming, end: seq, text: streaming.text + event.delta };
      else items.push({ type: 'message', key: seq, text: event.delta, streaming: true });
      return;
    case 'agent_message':
      if (streaming) items[items.length - 1] = { ...streaming, end: seq, text: event.text, streaming: false };
      else items.push({ type: 'message', key: seq, text: event.text, streaming: false });
      return;
    case 'command_started':
      items.push({ type: 'command', key: seq, command: event.command, ...(event.cwd === undefined ? {} : { cwd: event.cwd }) });
      return;
    case 'command_finished': {
      const finished = { end: seq, exitCode: event.exitCode, output: event.output, durationMs: event.durationMs };
      const open = items.findIndex((i) => i.type === 'command' && i.exitCode === undefined && i.command === event.command);
      const started = items[open];
      if (started?.type === 'command') items[open] = { ...started, ...finished };
      else items.push({ type: 'command', key: seq, orphan: true, command: event.command, ...finished });
      return;
    }
    case 'file_change':
      items.push({ type: 'files', key: seq, changes: event.changes });
      return;
    default: {
      const note = noteOf(event);
      if (note) items.push({ type: 'note', key: seq, ...note });
    }
  }
}

/** The one-line note an event shows as, or undefined for one the log leaves out. */
function noteOf(event: SequencedJobEvent['event']): { tone: 'info' | 'warn' | 'error'; text: string } | undefined {
  const t = text().jobLog;
  switch (event.kind) {
    case 'log':
      return { tone: event.level, text: event.message };
    case 'error':
      return { tone: 'error', text: event.message };
    case 'approval_request': {
      const what = event.action === 'command' ? t.runCommand(event.command ?? t.aCommand) : t.changeFiles;
      return { tone: 'warn', text: t.approval(what, event.reason ?? '', event.decision) };
    }
    case 'question':
      return { tone: 'warn', text: t.asks(questionSummary(event.question), event.question.id) };
    case 'answer':
      return { tone: 'info', text: t.answered(event.questionId, genericDone(event.answer.decision), answererText(event.by)) };
    case 'started':
      return { tone: 'info', text: t.started(event.executor) };
    case 'finished':
      return { tone: event.result.status === 'succeeded' ? 'info' : 'error', text: t.finished(text().status[event.result.status] ?? event.result.status) };
    default:
      // token_usage: the result shows the total; diff: the change view shows it, parsed.
      return undefined;
  }
}

/**
 * An older page joined before the log: what `appendEvents` would have made of both in order. At the
 * seam a message being typed goes on in the newer part, and finished commands whose start was not
 * loaded find it in the older part.
 */
export function joinLogs(older: LogModel, newer: LogModel): LogModel {
  if (older.items.length === 0) return { ...newer, firstSeq: older.firstSeq || newer.firstSeq, lastSeq: Math.max(older.lastSeq, newer.lastSeq) };
  const items = [...older.items];
  let rest = newer.items;
  const last = items.at(-1);
  const first = rest[0];
  if (last?.type === 'message' && last.streaming && first?.type === 'message') {
    items[items.length - 1] = { ...last, end: first.end ?? first.key, text: first.streaming ? last.text + first.text : first.text, streaming: first.streaming };
    rest = rest.slice(1);
  }
  if (items.some(isOpenCommand)) rest = rest.filter((item) => !(item.type === 'command' && item.orphan && finishOpen(items, item)));
  return { items: items.concat(rest), firstSeq: older.firstSeq, lastSeq: Math.max(older.lastSeq, newer.lastSeq) };
}

const isOpenCommand = (item: LogItem): boolean => item.type === 'command' && item.exitCode === undefined;

/** Fills the first open command like `finished` into `items`; whether there was one. */
function finishOpen(items: LogItem[], finished: Extract<LogItem, { type: 'command' }>): boolean {
  const open = items.findIndex((i) => isOpenCommand(i) && i.type === 'command' && i.command === finished.command);
  const started = items[open];
  if (started?.type !== 'command') return false;
  const { exitCode, output, durationMs } = finished;
  items[open] = { ...started, end: finished.end ?? finished.key, exitCode, output, durationMs };
  return true;
}

/** The index of the item that shows event `seq` (or the nearest one before it), or -1. */
export function itemIndexOf(items: readonly LogItem[], seq: number): number {
  const exact = items.findIndex((item) => item.key === seq || ('end' in item && item.end === seq));
  if (exact !== -1) return exact;
  let low = 0;
  let high = items.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if ((items[middle]?.key ?? 0) <= seq) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}
