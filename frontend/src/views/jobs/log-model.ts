import type { FileChange, SequencedJobEvent } from '../../api/types';
import { text } from '../../i18n/active';
import { answererText, genericDone, questionSummary } from './questions/question-model';

/** One block of a job's log as the dashboard shows it. */
export type LogItem =
  | { type: 'message'; key: number; text: string; streaming: boolean }
  | { type: 'command'; key: number; command: string; cwd?: string; exitCode?: number | null; output?: string; durationMs?: number }
  | { type: 'files'; key: number; changes: FileChange[] }
  | { type: 'note'; key: number; tone: 'info' | 'warn' | 'error'; text: string };

export interface LogModel {
  items: LogItem[];
  /** Highest seq applied: later deliveries of the same events (a reconnect) are ignored. */
  lastSeq: number;
}

export const EMPTY_LOG: LogModel = { items: [], lastSeq: 0 };

/**
 * Folds new events into the log: message deltas grow one streaming message (which the complete
 * `agent_message` then replaces), and a finished command fills in the block its start opened.
 */
export function appendEvents(model: LogModel, events: readonly SequencedJobEvent[]): LogModel {
  const t = text().jobLog;
  const items = [...model.items];
  let lastSeq = model.lastSeq;
  for (const { seq, event } of events) {
    if (seq <= lastSeq) continue;
    lastSeq = seq;
    const last = items.at(-1);
    const streaming = last?.type === 'message' && last.streaming ? last : undefined;
    switch (event.kind) {
      case 'agent_message_delta':
        if (streaming) items[items.length - 1] = { ...streaming, text: streaming.text + event.delta };
        else items.push({ type: 'message', key: seq, text: event.delta, streaming: true });
        break;
      case 'agent_message':
        if (streaming) items[items.length - 1] = { ...streaming, text: event.text, streaming: false };
        else items.push({ type: 'message', key: seq, text: event.text, streaming: false });
        break;
      case 'command_started':
        items.push({ type: 'command', key: seq, command: event.command, ...(event.cwd === undefined ? {} : { cwd: event.cwd }) });
        break;
      case 'command_finished': {
        const finished = { exitCode: event.exitCode, output: event.output, durationMs: event.durationMs };
        const open = items.findIndex((i) => i.type === 'command' && i.exitCode === undefined && i.command === event.command);
        const started = items[open];
        if (started?.type === 'command') items[open] = { ...started, ...finished };
        else items.push({ type: 'command', key: seq, command: event.command, ...finished });
        break;
      }
      case 'file_change':
        items.push({ type: 'files', key: seq, changes: event.changes });
        break;
      case 'log':
        items.push({ type: 'note', key: seq, tone: event.level, text: event.message });
        break;
      case 'error':
        items.push({ type: 'note', key: seq, tone: 'error', text: event.message });
        break;
      case 'approval_request': {
        const what = event.action === 'command' ? t.runCommand(event.command ?? t.aCommand) : t.changeFiles;
        items.push({ type: 'note', key: seq, tone: 'warn', text: t.approval(what, event.reason ?? '', event.decision) });
        break;
      }
      case 'question':
        items.push({ type: 'note', key: seq, tone: 'warn', text: t.asks(questionSummary(event.question), event.question.id) });
        break;
      case 'answer':
        items.push({ type: 'note', key: seq, tone: 'info', text: t.answered(event.questionId, genericDone(event.answer.decision), answererText(event.by)) });
        break;
      case 'started':
        items.push({ type: 'note', key: seq, tone: 'info', text: t.started(event.executor) });
        break;
      case 'token_usage':
        // The result shows the total; per-turn usage would only crowd the log.
        break;
      case 'diff':
        // The change view shows the diff, parsed, once the job has ended.
        break;
      case 'finished':
        items.push({ type: 'note', key: seq, tone: event.result.status === 'succeeded' ? 'info' : 'error', text: t.finished(text().status[event.result.status] ?? event.result.status) });
        break;
    }
  }
  return { items, lastSeq };
}
