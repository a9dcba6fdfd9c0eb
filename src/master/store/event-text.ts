import type { JobEvent, JobQuestion } from '../../protocol/index.js';

/** The snippet a search match shows, at most this many characters. */
export const SNIPPET_CHARS = 200;

function questionText(question: JobQuestion): Array<string | undefined> {
  const parts = [question.reason];
  switch (question.kind) {
    case 'command':
      return [...parts, question.command, question.cwd];
    case 'file_change':
      return [...parts, ...question.changes.map((change) => change.path)];
    case 'user_input':
      return [...parts, ...question.questions.flatMap((item) => [item.header, item.question])];
    case 'elicitation':
      return [...parts, question.serverName, question.message];
    case 'tool_call':
      return [...parts, question.tool];
    default:
      return parts;
  }
}

function textParts(event: JobEvent): Array<string | undefined> {
  switch (event.kind) {
    case 'started':
      return [event.executor];
    case 'agent_message':
      return [event.text];
    case 'agent_message_delta':
      return [event.delta];
    case 'command_started':
      return [event.command, event.cwd];
    case 'command_finished':
      return [event.command, event.output];
    case 'file_change':
      return event.changes.map((change) => change.path);
    case 'log':
    case 'error':
      return [event.message];
    case 'approval_request':
      return [event.command, event.reason];
    case 'diff':
      return [event.text];
    case 'question':
      return questionText(event.question);
    case 'answer':
      return [event.answer.text];
    case 'file':
      return [event.name];
    case 'finished':
      return [event.result.summary, event.result.finalMessage, event.result.error];
    default:
      // token_usage: numbers only, nothing a person would search for.
      return [];
  }
}

/**
 * What a person reads of an event (its message, command, output, text…), not its JSON: searching
 * the log means searching this, so "kind" or "seq" match no event for being field names.
 */
export function eventText(event: JobEvent): string {
  return textParts(event)
    .filter((part): part is string => typeof part === 'string' && part.length > 0)
    .join('\n');
}

/**
 * A snippet of `text` around the first case-insensitive occurrence of `needle`, on one line (runs
 * of whitespace collapsed) and at most `SNIPPET_CHARS` long, "…" marking a cut end; undefined
 * when `needle` does not occur.
 */
export function snippetAround(text: string, needle: string): string | undefined {
  const flat = text.replace(/\s+/g, ' ').trim();
  const lowered = flat.toLowerCase();
  const wanted = needle.replace(/\s+/g, ' ').trim().toLowerCase();
  const at = lowered.indexOf(wanted);
  if (wanted.length === 0 || at < 0) return undefined;
  if (flat.length <= SNIPPET_CHARS) return flat;
  // The hit a little left of the middle: what leads up to it reads as context, the rest follows.
  const room = SNIPPET_CHARS - 2;
  const start = Math.max(0, Math.min(at - Math.floor((room - wanted.length) / 3), flat.length - room));
  const end = Math.min(flat.length, start + room);
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}
