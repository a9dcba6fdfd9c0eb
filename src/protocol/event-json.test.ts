import { describe, expect, it } from 'vitest';
import { jobEventJson, knownJobEventJson, sequencedJobEventJson } from './event-json.js';
import type { SequencedJobEvent } from './jobs.js';

const sequenced = (): SequencedJobEvent => ({ seq: 7, at: '2026-01-01T00:00:00.000Z', event: { kind: 'log', level: 'info', message: 'say "hi"\n' } });

describe('job event JSON', () => {
  it('is what JSON.stringify gives, for the event and for the whole sequenced event', () => {
    const e = sequenced();
    expect(jobEventJson(e)).toBe(JSON.stringify(e.event));
    expect(sequencedJobEventJson(e)).toBe(JSON.stringify(e));
    expect(JSON.parse(sequencedJobEventJson(e))).toEqual(e);
  });

  it('reuses JSON already at hand for an event instead of encoding it again', () => {
    const stored = '{ "kind": "log", "level": "info", "message": "as stored" }';
    const e = knownJobEventJson(sequenced(), stored);
    expect(jobEventJson(e)).toBe(stored);
    expect(sequencedJobEventJson(e)).toBe(`{"seq":7,"at":"2026-01-01T00:00:00.000Z","event":${stored}}`);
    // Another object with equal content has JSON of its own.
    expect(jobEventJson(sequenced())).toBe(JSON.stringify(sequenced().event));
  });
});
