import type { JobEvent, SequencedJobEvent } from '../protocol/index.js';

/**
 * Long strings are first cut no shorter than this, so that what is left of an output or a message
 * still says something; only an event that does not fit even then loses its bulk.
 */
const MIN_KEPT_CHARS = 256;
/** Strings this short are never cut: they are names and times (`kind`, `level`, `status`, `at`). */
const NEVER_CUT_CHARS = 64;

/**
 * An event no larger than `maxBytes` once encoded, for the rare event bigger than a whole frame (a
 * huge command output, a long message, thousands of changed files): sending it whole would make the
 * master close the connection on every try, and the job would never get past it.
 *
 * Its long strings are cut to one common length, each ending in a note of how much was left out.
 * An event that still does not fit (its bulk is in lists) is replaced: `finished` keeps its status,
 * timings, tokens, thread, (cut) messages and its change's commits and totals, with its lists of
 * files and commands emptied and said so in its summary; any other kind becomes a `log` warning
 * naming what was left out. Its `seq` and `at` never change, so the log keeps no gap.
 */
export function fitEvent(event: SequencedJobEvent, maxBytes: number): SequencedJobEvent {
  const cut = cutLongStrings(event, maxBytes, MIN_KEPT_CHARS);
  if (cut) return cut;
  const replaced: SequencedJobEvent = { seq: event.seq, at: event.at, event: replacement(event.event, encodedBytes(event), maxBytes) };
  // The replacement's own strings (a final message, a summary) may still be long: keep what fits.
  // Even with the smallest frame a master allows (1 KiB) the notes alone fit.
  return cutLongStrings(replaced, maxBytes, NEVER_CUT_CHARS) ?? replaced;
}

/** UTF-8 bytes of a value's JSON. */
export function encodedBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/**
 * The event with every string longer than some cap cut to it, for the largest cap (found by
 * bisection) at which the event fits; undefined when it does not fit even at `floor`.
 */
function cutLongStrings(event: SequencedJobEvent, maxBytes: number, floor: number): SequencedJobEvent | undefined {
  if (encodedBytes(event) <= maxBytes) return event;
  return largestFitting(floor, longestString(event) - 1, maxBytes, (cap) => capStrings(event, cap) as SequencedJobEvent);
}

/**
 * `cut(cap)` for the largest cap in `low..high` (found by bisection) whose JSON fits `maxBytes`;
 * undefined when none does. `cut` must grow with its cap.
 */
export function largestFitting<T>(low: number, high: number, maxBytes: number, cut: (cap: number) => T): T | undefined {
  let best: T | undefined;
  while (low <= high) {
    const cap = Math.floor((low + high) / 2);
    const candidate = cut(cap);
    if (encodedBytes(candidate) <= maxBytes) {
      best = candidate;
      low = cap + 1;
    } else {
      high = cap - 1;
    }
  }
  return best;
}

function longestString(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce((longest: number, item) => Math.max(longest, longestString(item)), 0);
  if (value !== null && typeof value === 'object') return longestString(Object.values(value));
  return 0;
}

/** A copy of `value` whose strings longer than `cap` characters are cut there, with a note. */
function capStrings(value: unknown, cap: number): unknown {
  return mapStrings(value, (text) => (text.length > cap ? cutString(text, cap) : text));
}

/** A copy of a JSON value with `map` applied to every string in it (keys stay as they are). */
export function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, map)]));
  }
  return value;
}

function cutString(text: string, cap: number): string {
  // Never split a surrogate pair: half a character would not survive the trip as UTF-8.
  const end = cap > 0 && isHighSurrogate(text.charCodeAt(cap - 1)) ? cap - 1 : cap;
  return `${text.slice(0, end)}\n[… ${text.length - end} more characters left out by the node: the event was larger than the master's frame limit]`;
}

/** The first half of a UTF-16 surrogate pair: a cut must not fall right after it. */
export function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function replacement(event: JobEvent, bytes: number, maxBytes: number): JobEvent {
  const why = `larger than the master's frame limit (${bytes} bytes encoded, ${maxBytes} at most)`;
  if (event.kind !== 'finished') {
    return { kind: 'log', level: 'warn', message: `the node left out a ${event.kind} event: it was ${why}` };
  }
  const { result } = event;
  const { change } = result;
  // The change keeps its commits and totals: the diff events still carry the diff, and a publish needs only the branch.
  const changeFiles = change === undefined ? '' : `, the change's list of ${change.files.length} files`;
  const note = `[the node left out the result's ${result.filesChanged.length} changed files${changeFiles} and ${result.commands.length} commands: it was ${why}]`;
  const summary = result.summary === undefined ? note : `${result.summary}\n${note}`;
  return { kind: 'finished', result: { ...result, summary, filesChanged: [], commands: [], ...(change === undefined ? {} : { change: { ...change, files: [] } }) } };
}
