import { describe, expect, it } from 'vitest';
import { parseFrame, type JobEvent, type SequencedJobEvent } from '../protocol/index.js';
import { MAX_EVENTS_PER_FRAME, encodeEvent, eventFrames, frameByteBudget, type EncodedEvent } from './event-frames.js';
import { encodedBytes, fitEvent } from './fit-event.js';

const AT = '2026-11-22T00:00:00.000Z';

function events(count: number, make: (i: number) => JobEvent): EncodedEvent[] {
  return Array.from({ length: count }, (_, i) => encodeEvent({ seq: i + 1, at: AT, event: make(i) }));
}

/** The frames as the master reads them: each must pass its validation and stay within `maxBytes`. */
function decoded(frames: Iterable<{ text: string; bytes: number }>, maxBytes: number): SequencedJobEvent[][] {
  return [...frames].map(({ text, bytes }) => {
    expect(Buffer.byteLength(text)).toBe(bytes);
    expect(bytes).toBeLessThanOrEqual(maxBytes);
    const parsed = parseFrame(text);
    if (!parsed.ok || parsed.frame.type !== 'job_events') throw new Error(`not a job_events frame: ${text.slice(0, 200)}`);
    expect(parsed.frame).toMatchObject({ jobId: 7, attempt: 2 });
    return parsed.frame.events;
  });
}

describe('eventFrames', () => {
  it('cuts by count: never more events in a frame than the master takes', () => {
    const frames = decoded(eventFrames(7, 2, events(2500, (i) => ({ kind: 'log', level: 'info', message: `line ${i}` })), 1024 * 1024), 1024 * 1024);
    expect(frames.map((f) => f.length)).toEqual([MAX_EVENTS_PER_FRAME, MAX_EVENTS_PER_FRAME, 500]);
    expect(frames.flat().map((e) => e.seq)).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
  });

  it('cuts by encoded bytes, counting multi-byte characters and escapes, never past the budget', () => {
    // Each message is 3 KiB of characters but 9 KiB of UTF-8, plus quotes and newlines JSON escapes.
    const source = events(300, (i) => ({ kind: 'agent_message', text: `${i}\n"${'한'.repeat(3000)}` }));
    const budget = frameByteBudget(64 * 1024);
    const frames = decoded(eventFrames(7, 2, source, budget), budget);
    expect(frames.length).toBeGreaterThanOrEqual(Math.ceil((300 * 9000) / budget));
    expect(frames.flat().map((e) => e.event)).toEqual(source.map((e) => (JSON.parse(e.json) as SequencedJobEvent).event));
  });

  it('leaves room under the master limit for a margin, at every size a master allows', () => {
    for (const limit of [1024, 64 * 1024, 1024 * 1024, 16 * 1024 * 1024]) {
      expect(frameByteBudget(limit)).toBeLessThan(limit);
      expect(frameByteBudget(limit)).toBeGreaterThan(limit * 0.9);
    }
  });

  it('sends an event larger than a whole frame cut down, in its place, and says so', () => {
    const huge = 'x'.repeat(3 * 1024 * 1024);
    const source = events(3, (i) => (i === 1 ? { kind: 'command_finished', command: 'cat big.log', exitCode: 0, output: huge } : { kind: 'log', level: 'info', message: `n${i}` }));
    const oversized: Array<[number, number, number]> = [];
    const budget = frameByteBudget(1024 * 1024);
    const frames = decoded(eventFrames(7, 2, source, budget, (...args) => oversized.push(args)), budget);
    const sent = frames.flat();
    expect(sent.map((e) => e.seq)).toEqual([1, 2, 3]);
    const cut = sent[1]?.event;
    if (cut?.kind !== 'command_finished') throw new Error('the cut event changed kind');
    expect(cut).toMatchObject({ command: 'cat big.log', exitCode: 0 });
    expect(cut.output?.length).toBeGreaterThan(900 * 1024);
    expect(cut.output).toMatch(/\[… \d+ more characters left out by the node: the event was larger than the master's frame limit\]$/);
    expect(oversized).toEqual([[2, source[1]?.bytes, expect.any(Number)]]);
  });
});

describe('fitEvent', () => {
  const at = { seq: 9, at: AT };

  it('keeps an event that fits as it is', () => {
    const event: SequencedJobEvent = { ...at, event: { kind: 'agent_message', text: 'short' } };
    expect(fitEvent(event, 1000)).toBe(event);
  });

  it('cuts every long string to one length and never splits a character', () => {
    const event: SequencedJobEvent = { ...at, event: { kind: 'command_finished', command: `run ${'🙂'.repeat(5000)}`, exitCode: 1, output: '🙂'.repeat(20_000) } };
    const fitted = fitEvent(event, 8000);
    expect(encodedBytes(fitted)).toBeLessThanOrEqual(8000);
    expect(encodedBytes(fitted)).toBeGreaterThan(7000);
    if (fitted.event.kind !== 'command_finished') throw new Error('kind changed');
    expect(fitted.event.exitCode).toBe(1);
    // A lone surrogate would come back from UTF-8 as U+FFFD.
    expect(JSON.parse(Buffer.from(JSON.stringify(fitted)).toString('utf8'))).toEqual(fitted);
    expect(fitted.event.output).not.toContain('\ufffd');
  });

  it('keeps a huge result\'s status, timings and messages when its lists cannot fit, and says what was left out', () => {
    const filesChanged = Array.from({ length: 50_000 }, (_, i) => ({ path: `src/generated/file-${i}.ts`, kind: 'add' as const, added: 1 }));
    const result = { status: 'succeeded' as const, finalMessage: 'done', summary: 'generated the client', filesChanged, commands: [], durationMs: 1234, threadId: 't-1', tokens: { input: 1, output: 2, total: 3 } };
    const fitted = fitEvent({ ...at, event: { kind: 'finished', result } }, 64 * 1024);
    expect(fitted).toMatchObject({ ...at, event: { kind: 'finished', result: { status: 'succeeded', finalMessage: 'done', durationMs: 1234, threadId: 't-1', tokens: { total: 3 }, filesChanged: [], commands: [] } } });
    if (fitted.event.kind !== 'finished') throw new Error('kind changed');
    expect(fitted.event.result.summary).toMatch(/^generated the client\n\[the node left out the result's 50000 changed files and 0 commands: it was larger than the master's frame limit \(\d+ bytes encoded, 65536 at most\)\]$/);
  });

  it("keeps a huge change's commits and totals, leaving out its list of files", () => {
    const files = Array.from({ length: 50_000 }, (_, i) => ({ path: `src/generated/file-${i}.ts`, status: 'added' as const, added: 1, removed: 0, binary: false }));
    const change = { baseCommit: 'b'.repeat(40), headCommit: 'h'.repeat(40), branch: 'csc/job-7', files, added: 50_000, removed: 0, diffBytes: 9_000_000, truncated: true };
    const fitted = fitEvent({ ...at, event: { kind: 'finished', result: { status: 'succeeded', filesChanged: [], commands: [], durationMs: 1, change } } }, 64 * 1024);
    if (fitted.event.kind !== 'finished') throw new Error('kind changed');
    expect(fitted.event.result.change).toEqual({ ...change, files: [] });
    expect(fitted.event.result.summary).toMatch(/^\[the node left out the result's 0 changed files, the change's list of 50000 files and 0 commands: it was larger than the master's frame limit/);
    expect(encodedBytes(fitted)).toBeLessThanOrEqual(64 * 1024);
  });

  it('turns any other event that cannot fit into a warning of what was left out', () => {
    const changes = Array.from({ length: 50_000 }, (_, i) => ({ path: `f${i}`, kind: 'update' as const }));
    const fitted = fitEvent({ ...at, event: { kind: 'file_change', changes } }, 2000);
    expect(fitted.event).toEqual({ kind: 'log', level: 'warn', message: expect.stringMatching(/^the node left out a file_change event: it was larger than the master's frame limit/) as unknown });
    expect(encodedBytes(fitted)).toBeLessThanOrEqual(2000);
  });

  it('fits even in the smallest frame a master allows', () => {
    const budget = frameByteBudget(1024) - 100;
    const long = 'y'.repeat(100_000);
    const fitted = fitEvent({ ...at, event: { kind: 'finished', result: { status: 'failed', finalMessage: long, summary: long, error: long, filesChanged: [], commands: [], durationMs: 1 } } }, budget);
    expect(encodedBytes(fitted)).toBeLessThanOrEqual(budget);
    expect(fitted.event).toMatchObject({ kind: 'finished', result: { status: 'failed' } });
  });
});
