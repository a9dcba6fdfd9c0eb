import { describe, expect, it } from 'vitest';
import { coveredDeltas } from './delta-folding.js';

const log = (...kinds: string[]) => kinds.map((kind, i) => ({ seq: i + 1, kind }));

describe('coveredDeltas', () => {
  it('covers the deltas a later message of the same attempt says in full', () => {
    const events = log('started', 'agent_message_delta', 'agent_message_delta', 'command_started', 'agent_message', 'finished');
    expect([...coveredDeltas(events)]).toEqual([3, 2]);
  });

  it('keeps the deltas of a message still being typed, and of an attempt that died mid-message', () => {
    expect(coveredDeltas(log('started', 'agent_message', 'agent_message_delta', 'agent_message_delta')).size).toBe(0);
    expect(coveredDeltas(log('started', 'agent_message_delta', 'started', 'agent_message')).size).toBe(0);
  });

  it('judges each run of deltas by the nearest message or new attempt after it', () => {
    const events = log('started', 'agent_message_delta', 'agent_message', 'agent_message_delta', 'started', 'agent_message_delta', 'agent_message');
    expect([...coveredDeltas(events)].sort((a, b) => a - b)).toEqual([2, 6]);
  });

  it('works on seqs with gaps (a log already folded)', () => {
    expect([...coveredDeltas([{ seq: 10, kind: 'agent_message_delta' }, { seq: 40, kind: 'agent_message' }])]).toEqual([10]);
  });
});
