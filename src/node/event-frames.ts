import type { SequencedJobEvent } from '../protocol/index.js';
import { fitEvent } from './fit-event.js';

/** The protocol's cap on events in one `job_events` frame: the master refuses a frame with more. */
export const MAX_EVENTS_PER_FRAME = 1000;

/** The master's frame limit until its `welcome` says otherwise (the master's own default). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/**
 * A job event encoded once: the journal line and every frame that carries it (live, then again
 * after each reconnect until acknowledged) reuse the same text.
 */
export interface EncodedEvent {
  readonly seq: number;
  /** `JSON.stringify` of the `SequencedJobEvent`. */
  readonly json: string;
  /** UTF-8 length of `json`. */
  readonly bytes: number;
}

/** One `job_events` frame, encoded, and what it holds. */
export interface EncodedFrame {
  readonly text: string;
  readonly bytes: number;
  readonly events: number;
  /** The seq of its last event. */
  readonly lastSeq: number;
}

/** Told of each event too large for a frame of its own, and how large it was. */
export type OnOversized = (seq: number, bytes: number, keptBytes: number) => void;

/** Encodes an event for the journal and for frames, once. */
export function encodeEvent(event: SequencedJobEvent): EncodedEvent {
  const json = JSON.stringify(event);
  return { seq: event.seq, json, bytes: Buffer.byteLength(json) };
}

/**
 * The most one frame may take of the master's `maxPayloadBytes`. Frames are measured exactly,
 * envelope included; the margin is for a master that counts a little differently, since one byte
 * over the limit closes the connection.
 */
export function frameByteBudget(maxPayloadBytes: number): number {
  return maxPayloadBytes - Math.min(1024, Math.floor(maxPayloadBytes / 16));
}

/**
 * The one place job events become frames, for live sending and for resending alike: `events`, in
 * order, as `job_events` frames of at most MAX_EVENTS_PER_FRAME events and `maxBytes` bytes each.
 * An event too large for a frame of its own is cut down (`fitEvent`) rather than sent whole, which
 * the master would refuse on every try. Lazy, so that a caller whose send fails stops encoding.
 */
export function* eventFrames(
  jobId: number,
  attempt: number,
  events: Iterable<EncodedEvent>,
  maxBytes: number,
  onOversized?: OnOversized,
): Generator<EncodedFrame> {
  const head = `{"type":"job_events","jobId":${jobId},"attempt":${attempt},"events":[`;
  const tail = ']}';
  const room = maxBytes - head.length - tail.length; // the envelope is ASCII: one byte a character
  let batch: string[] = [];
  let bytes = 0;
  let lastSeq = 0;
  for (const event of events) {
    const fitting = event.bytes <= room ? event : shrink(event, room, onOversized);
    if (batch.length === MAX_EVENTS_PER_FRAME || (batch.length > 0 && bytes + 1 + fitting.bytes > room)) {
      yield frame(head, batch, tail, bytes, lastSeq);
      batch = [];
      bytes = 0;
    }
    bytes += (batch.length > 0 ? 1 : 0) + fitting.bytes; // a comma between events
    batch.push(fitting.json);
    lastSeq = fitting.seq;
  }
  if (batch.length > 0) yield frame(head, batch, tail, bytes, lastSeq);
}

function frame(head: string, batch: string[], tail: string, bytes: number, lastSeq: number): EncodedFrame {
  return { text: `${head}${batch.join(',')}${tail}`, bytes: head.length + bytes + tail.length, events: batch.length, lastSeq };
}

function shrink(event: EncodedEvent, room: number, onOversized: OnOversized | undefined): EncodedEvent {
  const fitted = encodeEvent(fitEvent(JSON.parse(event.json) as SequencedJobEvent, room));
  onOversized?.(event.seq, event.bytes, fitted.bytes);
  return fitted;
}

/** The index of the first event after `seq` (events are in seq order), or the length when none is. */
export function firstAfter(events: readonly EncodedEvent[], seq: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((events[middle]?.seq ?? Infinity) > seq) high = middle;
    else low = middle + 1;
  }
  return low;
}
