import { describe, expect, it } from 'vitest';
import type { SequencedJobEvent } from '../frontend/src/api/types.js';
import { EMPTY_LOG, appendEvents, itemIndexOf, joinLogs } from '../frontend/src/views/jobs/log-model.js';
import { longLogEvent } from '../src/test-support/long-log.js';

/** How the dashboard folds a log read in pages, without a browser. */
describe('the job log model of the dashboard', () => {
  const at = '2026-01-01T00:00:00.000Z';
  const sequence = (events: SequencedJobEvent['event'][]): SequencedJobEvent[] => events.map((event, i) => ({ seq: i + 1, at, event }));
  const build = (events: readonly SequencedJobEvent[]) => appendEvents(EMPTY_LOG, events);

  it('makes of a log read in two pages what it makes of it read in one, wherever the pages meet', () => {
    // Rounds of the seeded long log (commands, notes, deltas then the message), and a message still
    // streaming in the middle, cut off by a note.
    const events = sequence([
      ...Array.from({ length: 60 }, (_, i) => longLogEvent(i) as SequencedJobEvent['event']),
      { kind: 'agent_message_delta', delta: 'half a ' },
      { kind: 'agent_message_delta', delta: 'message' },
      { kind: 'log', level: 'error', message: 'the attempt died' },
      { kind: 'command_started', command: 'make' },
      { kind: 'log', level: 'info', message: 'building' },
      { kind: 'command_finished', command: 'make', exitCode: 2, output: 'error', durationMs: 5 },
    ]);
    const whole = build(events);
    for (let cut = 0; cut <= events.length; cut++) {
      const joined = joinLogs(build(events.slice(0, cut)), build(events.slice(cut)));
      expect({ cut, items: joined.items }).toEqual({ cut, items: whole.items });
      expect([joined.firstSeq, joined.lastSeq]).toEqual([1, events.length]);
    }
  });

  it('joins pages of three, and a message whose deltas cross two seams', () => {
    const events = sequence([
      { kind: 'agent_message_delta', delta: 'a' },
      { kind: 'agent_message_delta', delta: 'b' },
      { kind: 'agent_message_delta', delta: 'c' },
      { kind: 'agent_message_delta', delta: 'd' },
      { kind: 'agent_message', text: 'abcd.' },
    ]);
    const joined = joinLogs(build(events.slice(0, 1)), joinLogs(build(events.slice(1, 3)), build(events.slice(3))));
    expect(joined.items).toEqual(build(events).items);
    expect(joined.items).toEqual([{ type: 'message', key: 1, end: 5, text: 'abcd.', streaming: false }]);
  });

  it('finds the row of an event: its own, the one it was folded into, or the nearest before it', () => {
    const events = sequence([
      { kind: 'command_started', command: 'npm test' },
      { kind: 'log', level: 'info', message: 'running' },
      { kind: 'command_finished', command: 'npm test', exitCode: 0, durationMs: 3 },
      { kind: 'agent_message_delta', delta: 'Do' },
      { kind: 'agent_message', text: 'Done.' },
      { kind: 'token_usage', input: 1, output: 1, total: 2 },
    ]);
    const { items } = build(events);
    expect(items.map((item) => item.key)).toEqual([1, 2, 4]);
    expect([1, 2, 3, 4, 5, 6].map((seq) => itemIndexOf(items, seq))).toEqual([0, 1, 0, 2, 2, 2]);
    expect(itemIndexOf([], 3)).toBe(-1);
  });
});
