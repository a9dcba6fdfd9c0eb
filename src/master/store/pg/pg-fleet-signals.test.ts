import { describe, expect, it } from 'vitest';
import type { FleetSignal } from '../fleet-store.js';
import { decodeSignal, SignalRows } from './pg-fleet-signals.js';

/** The payloads a turn with these signals sends, decoded back. */
function sent(...signals: FleetSignal[]): { payloads: string[]; heard: FleetSignal[] } {
  const rows = new SignalRows();
  rows.origin = 'o1';
  for (const signal of signals) rows.add(signal);
  const payloads = (rows.statement().values as [string[]])[0];
  return { payloads, heard: payloads.map((payload) => decodeSignal(payload)?.signal as FleetSignal) };
}

describe('the jobs signal between masters', () => {
  it('tells which of its jobs may be queued, and nothing when all may be', () => {
    expect(sent({ kind: 'jobs', jobIds: [1, 2] }).heard).toEqual([{ kind: 'jobs', jobIds: [1, 2] }]);
    expect(sent({ kind: 'jobs', jobIds: [1, 2], queued: [2] }, { kind: 'jobs', jobIds: [3], queued: [] }).heard).toEqual([{ kind: 'jobs', jobIds: [1, 2, 3], queued: [2] }]);
    // A job one signal of the turn says may be queued stays so, whatever the others say.
    expect(sent({ kind: 'jobs', jobIds: [1], queued: [1] }, { kind: 'jobs', jobIds: [1, 2], queued: [] }).heard).toEqual([{ kind: 'jobs', jobIds: [1, 2], queued: [1] }]);
    expect(sent({ kind: 'jobs', jobIds: [4], queued: [] }, { kind: 'jobs', jobIds: [5] }).heard).toEqual([{ kind: 'jobs', jobIds: [4, 5], queued: [5] }]);
  });

  it('splits a long list below PostgreSQL’s limit, each part with its own queued jobs', () => {
    const ids = Array.from({ length: 3000 }, (_, i) => 4_000_000_000_000 + i);
    const queued = ids.filter((id) => id % 3 === 0);
    const { payloads, heard } = sent({ kind: 'jobs', jobIds: ids, queued });
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    const jobs = heard.filter((signal): signal is Extract<FleetSignal, { kind: 'jobs' }> => signal.kind === 'jobs');
    expect(jobs.flatMap((signal) => signal.jobIds)).toEqual(ids);
    expect(jobs.flatMap((signal) => signal.queued ?? [])).toEqual(queued);
    for (const signal of jobs) expect(signal.queued?.every((id) => signal.jobIds.includes(id))).toBe(true);
  });

  it('reads a queued list that is not one as none told: any job may be queued', () => {
    expect(decodeSignal('o1 {"kind":"jobs","jobIds":[1,2],"queued":["x"]}')?.signal).toEqual({ kind: 'jobs', jobIds: [1, 2] });
    expect(decodeSignal('o1 {"kind":"jobs","jobIds":[1,2],"queued":[2]}')?.signal).toEqual({ kind: 'jobs', jobIds: [1, 2], queued: [2] });
  });
});
