import { describe, expect, it } from 'vitest';
import type { JobEvent, SequencedJobEvent } from '../../../protocol/index.js';
import { settled } from '../unit-of-work.js';
import { AT, logEvent, minute, newJob, sequenced, type SuiteContext } from './fixtures.js';

/** Events whose JSON has what text encodings get wrong: quotes, backslashes, newlines, non-BMP and Korean text, U+2028, nulls, nesting. */
const AWKWARD: JobEvent[] = [
  { kind: 'started', executor: 'codex' },
  { kind: 'command_started', command: 'grep -n "a\\tb" C:\\temp\\x', cwd: '/work/한국어' },
  { kind: 'command_finished', command: 'npm test', exitCode: null, output: 'line one\nline two\r\n\ttabbed \u2028 sep 🎉', durationMs: 812 },
  { kind: 'file_change', changes: [{ path: 'src/a "b".ts', kind: 'add', added: 10, removed: 0 }, { path: 'src/c.ts', kind: 'delete', added: 0, removed: 4 }] },
  { kind: 'agent_message', text: '{"not":"json"} </script> \\u0041 é' },
  { kind: 'token_usage', input: 12_000, output: 900, total: 12_900 },
  { kind: 'finished', result: { status: 'succeeded', filesChanged: [], commands: [{ command: 'x', exitCode: null }], durationMs: 5, finalMessage: 'ok' } },
];

const diff = (part: number, parts: number, text: string): JobEvent => ({ kind: 'diff', part, parts, text });

export function eventCases({ open, reopen }: SuiteContext): void {
  describe('jobs: events, eventsJson, diffParts, idempotency keys', () => {
    it('stores an event once by seq: a resend changes nothing, and lastSeq is the highest stored in every read', async () => {
      const store = await open();
      const [a, b] = [await store.jobs.create(newJob('a'), AT), await store.jobs.create(newJob('b'), AT)];
      store.jobs.appendEvents(a.id, [logEvent(1), logEvent(2), logEvent(3)]);
      store.jobs.appendEvents(a.id, [logEvent(2, 'changed'), logEvent(3, 'changed'), logEvent(4)]);
      store.jobs.appendEvents(b.id, [logEvent(1), logEvent(5)]);
      store.jobs.appendEvents(b.id, []);
      await settled(store.commit());
      expect((await store.jobs.events(a.id, 0, 100)).map((e) => e.event)).toEqual([1, 2, 3, 4].map((seq) => logEvent(seq).event));
      expect((await store.jobs.get(a.id))?.lastSeq).toBe(4);
      expect((await store.jobs.get(b.id))?.lastSeq).toBe(5);
      expect((await store.jobs.list({ limit: 10 })).map((job) => [job.id, job.lastSeq])).toEqual([[b.id, 5], [a.id, 4]]);
      expect((await store.jobs.withStatus(['queued'])).map((job) => job.lastSeq)).toEqual([4, 5]);
      expect((await store.jobs.events(b.id, 0, 100)).map((e) => e.seq)).toEqual([1, 5]);
    });

    it('reads events after a seq, in order, at most limit, each job its own', async () => {
      const store = await open();
      const [a, b] = [await store.jobs.create(newJob('a'), AT), await store.jobs.create(newJob('b'), AT)];
      // More than one multi-row insert's worth, in one call.
      const many = Array.from({ length: 75 }, (_, i) => logEvent(i + 1));
      store.jobs.appendEvents(a.id, many);
      store.jobs.appendEvents(b.id, [logEvent(1, 'b')]);
      expect(await store.jobs.events(a.id, 0, 1000)).toEqual(many);
      expect((await store.jobs.events(a.id, 10, 3)).map((e) => e.seq)).toEqual([11, 12, 13]);
      expect((await store.jobs.events(a.id, 74, 10)).map((e) => e.seq)).toEqual([75]);
      expect(await store.jobs.events(a.id, 75, 10)).toEqual([]);
      expect(await store.jobs.events(b.id, 0, 10)).toEqual([logEvent(1, 'b')]);
      expect(await store.jobs.events(b.id + 1000, 0, 10)).toEqual([]);
    });

    it('gives events back as appended, and as JSON text exactly what JSON.stringify gives of each', async () => {
      const store = await open();
      const { id } = await store.jobs.create(newJob(), AT);
      const events: SequencedJobEvent[] = sequenced(AWKWARD).map((e, i) => ({ ...e, at: minute(i) }));
      store.jobs.appendEvents(id, events);
      await settled(store.commit());
      expect(await store.jobs.events(id, 0, 100)).toEqual(events);
      const json = await store.jobs.eventsJson(id, 0, 100);
      expect(json).toEqual(events.map((e) => ({ seq: e.seq, json: JSON.stringify(e) })));
      expect(json.map((e) => JSON.parse(e.json) as SequencedJobEvent)).toEqual(events);
      expect(await store.jobs.eventsJson(id, 2, 2)).toEqual(events.slice(2, 4).map((e) => ({ seq: e.seq, json: JSON.stringify(e) })));
      expect(await store.jobs.eventsJson(id, 7, 10)).toEqual([]);
    });

    it("gives a job's diff events in seq order, every attempt's, and nothing else", async () => {
      const store = await open();
      const [a, b] = [await store.jobs.create(newJob('a'), AT), await store.jobs.create(newJob('b'), AT)];
      const first = 'diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-"old"\n+새 줄 🎉\n';
      store.jobs.appendEvents(a.id, sequenced([{ kind: 'started', executor: 'codex' }, diff(1, 2, first), logEvent(0).event, diff(2, 2, 'second\\part\n'), { kind: 'started', executor: 'codex' }, diff(1, 1, '')]));
      store.jobs.appendEvents(b.id, sequenced([diff(1, 1, 'b')]));
      expect(await store.jobs.diffParts(a.id)).toEqual([
        { seq: 2, part: 1, parts: 2, text: first },
        { seq: 4, part: 2, parts: 2, text: 'second\\part\n' },
        { seq: 6, part: 1, parts: 1, text: '' },
      ]);
      expect(await store.jobs.diffParts(b.id)).toEqual([{ seq: 1, part: 1, parts: 1, text: 'b' }]);
      expect(await store.jobs.diffParts(b.id + 1000)).toEqual([]);
    });

    it('keeps the job an Idempotency-Key made, replaces it on a second save, and forgets keys made before a time', async () => {
      const store = await open();
      const [a, b] = [await store.jobs.create(newJob('a'), AT), await store.jobs.create(newJob('b'), AT)];
      expect(await store.jobs.idempotencyKey('k1')).toBeUndefined();
      store.jobs.saveIdempotencyKey('k1', { jobId: a.id, fingerprint: 'f1', createdAt: minute(0) });
      store.jobs.saveIdempotencyKey('k2', { jobId: b.id, fingerprint: 'f2', createdAt: minute(10) });
      expect(await store.jobs.idempotencyKey('k1')).toEqual({ jobId: a.id, fingerprint: 'f1', createdAt: minute(0) });
      store.jobs.saveIdempotencyKey('k1', { jobId: b.id, fingerprint: 'f3', createdAt: minute(5) });
      expect(await store.jobs.idempotencyKey('k1')).toEqual({ jobId: b.id, fingerprint: 'f3', createdAt: minute(5) });
      expect(await store.jobs.idempotencyKey('K1')).toBeUndefined();
      // Strictly before: a key made at the time itself stays.
      store.jobs.pruneIdempotencyKeys(minute(5));
      expect(await store.jobs.idempotencyKey('k1')).toBeDefined();
      store.jobs.pruneIdempotencyKeys(minute(6));
      await settled(store.commit());
      expect(await store.jobs.idempotencyKey('k1')).toBeUndefined();
      expect(await store.jobs.idempotencyKey('k2')).toEqual({ jobId: b.id, fingerprint: 'f2', createdAt: minute(10) });
    });

    it('stores the Idempotency-Key a create brings with its job, in its unit of work, a follow-up too', async () => {
      const store = await open();
      const first = await store.jobs.create(newJob('a'), minute(1), { key: 'k1', fingerprint: 'f1' });
      const followUp = await store.jobs.create(newJob('b', { continueFrom: first.id }), minute(2), { key: 'k2', fingerprint: 'f2' });
      const plain = await store.jobs.create(newJob('c'), minute(3));
      expect(await store.jobs.idempotencyKey('k1')).toEqual({ jobId: first.id, fingerprint: 'f1', createdAt: minute(1) });
      expect(await store.jobs.idempotencyKey('k2')).toEqual({ jobId: followUp.id, fingerprint: 'f2', createdAt: minute(2) });
      expect(plain.id).toBeGreaterThan(followUp.id);
      await settled(store.commit());
      if (!reopen) return;
      const second = await reopen(store);
      expect(await second.jobs.idempotencyKey('k1')).toEqual({ jobId: first.id, fingerprint: 'f1', createdAt: minute(1) });
      expect(await second.jobs.get(followUp.id)).toStrictEqual(followUp);
    });
  });
}
