import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../protocol/index.js';
import { coveredDeltas } from '../delta-folding.js';
import type { Store } from '../store.js';
import { command, delta, jobWith, message, started, type SuiteContext } from './fixtures.js';

/** A pseudo-random log (seeded): attempts, messages typed delta by delta, commands, some cut short. */
function randomLog(seed: number, length: number): JobEvent[] {
  let state = seed;
  const next = () => (state = (state * 48271) % 2147483647) / 2147483647;
  const kinds = [() => delta('w'), () => delta('w'), () => delta('w'), () => message('m'), () => command('ls'), () => started];
  return Array.from({ length }, () => kinds[Math.floor(next() * kinds.length)]!());
}

/** The whole log folded by the rule, for comparing pages against. */
function folded(events: JobEvent[]): number[] {
  const all = events.map((event, i) => ({ seq: i + 1, kind: event.kind }));
  const covered = coveredDeltas(all);
  return all.map((e) => e.seq).filter((seq) => !covered.has(seq));
}

/** Every seq of the log, read a page at a time from the oldest on, then from the newest back. */
async function pagedBothWays(store: Store, id: number, newest: number, limit: number, fold: boolean): Promise<{ forwards: number[]; backwards: number[] }> {
  const forwards: number[] = [];
  for (let after = 0, more = true; more; ) {
    const page = await store.jobs.logs.page(id, { after, limit, fold });
    expect(page.events.length).toBeLessThanOrEqual(limit);
    forwards.push(...page.events.map((e) => e.seq));
    more = page.more;
    if (more) after = page.events.at(-1)!.seq;
  }
  const backwards: number[] = [];
  for (let before = newest + 1, more = true; more; ) {
    const page = await store.jobs.logs.page(id, { before, limit, fold });
    expect(page.events.length).toBeLessThanOrEqual(limit);
    backwards.unshift(...page.events.map((e) => e.seq));
    more = page.more;
    if (more) before = page.events[0]!.seq;
  }
  return { forwards, backwards };
}

const SEARCHED: JobEvent[] = [
  started,
  command('npm test -- --grep "Parser"'),
  { kind: 'command_finished', command: 'npm test', exitCode: 1, output: 'FAIL src/parser.test.ts\n  expected 3, got 4' },
  delta('The par'),
  delta('ser fails'),
  message('The parser fails on empty input.'),
  { kind: 'log', level: 'warn', message: 'retrying with C:\\temp\\x' },
  { kind: 'token_usage', input: 1, output: 2, total: 3 },
  message('한국어 메시지: 파서 수정 완료'),
];

export function logCases({ open }: SuiteContext): void {
  describe('jobs.logs: pages', () => {
    it('pages after and before a seq, with `more` saying whether the log goes on, folded or not', async () => {
      const store = await open();
      for (const seed of [1, 2, 3]) {
        const events = randomLog(seed, 600);
        const id = await jobWith(store, events);
        for (const fold of [false, true]) {
          const expected = fold ? folded(events) : events.map((_, i) => i + 1);
          for (const limit of [3, 97, 5000]) {
            const { forwards, backwards } = await pagedBothWays(store, id, events.length, limit, fold);
            expect(forwards, `fold ${fold} limit ${limit} forwards`).toEqual(expected);
            expect(backwards, `fold ${fold} limit ${limit} backwards`).toEqual(expected);
          }
        }
      }
    }, 60_000);

    it('judges a page by what follows it: deltas before a later message are folded, a message still being typed is not', async () => {
      const store = await open();
      const id = await jobWith(store, [started, delta('Hel'), delta('lo'), command('ls'), message('Hello'), delta('Wor'), delta('ld')]);
      // A page that ends in the first message's deltas: the message after the page covers them.
      expect(await store.jobs.logs.page(id, { after: 0, limit: 1, fold: true })).toMatchObject({ events: [{ seq: 1 }], more: true });
      expect((await store.jobs.logs.page(id, { after: 1, limit: 1, fold: true })).events.map((e) => e.seq)).toEqual([4]);
      expect(await store.jobs.logs.page(id, { before: 4, limit: 10, fold: true })).toMatchObject({ events: [{ seq: 1 }], more: false });
      // The second message is still being typed: its deltas stay, and the newest page shows them.
      const newest = await store.jobs.logs.page(id, { before: 8, limit: 3, fold: true });
      expect(newest.events.map((e) => [e.seq, e.event.kind])).toEqual([
        [5, 'agent_message'],
        [6, 'agent_message_delta'],
        [7, 'agent_message_delta'],
      ]);
      expect(newest.more).toBe(true);
      // Unfolded, everything is there, decoded as stored.
      const all = await store.jobs.logs.page(id, { after: 0, limit: 100, fold: false });
      expect(all.events).toEqual(await store.jobs.events(id, 0, 100));
    });

    it('keeps the deltas of an attempt that died mid-message (a new attempt started after them)', async () => {
      const store = await open();
      const id = await jobWith(store, [started, delta('a'), delta('b'), started, message('ab'), { kind: 'finished', result: { status: 'succeeded', durationMs: 1, filesChanged: [], commands: [] } }]);
      expect((await store.jobs.logs.page(id, { after: 0, limit: 100, fold: true })).events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('answers an empty page past either end, with nothing more', async () => {
      const store = await open();
      const id = await jobWith(store, [started, message('x')]);
      expect(await store.jobs.logs.page(id, { after: 2, limit: 10, fold: true })).toEqual({ events: [], more: false });
      expect(await store.jobs.logs.page(id, { before: 1, limit: 10, fold: false })).toEqual({ events: [], more: false });
      const empty = await jobWith(store, []);
      expect(await store.jobs.logs.page(empty, { before: 1, limit: 10, fold: true })).toEqual({ events: [], more: false });
      expect(await store.jobs.logs.page(empty, { after: 0, limit: 10, fold: false })).toEqual({ events: [], more: false });
    });
  });

  describe('jobs.logs: search', () => {
    it('finds the human text case-insensitively, newest first, with a snippet, and not field names', async () => {
      const store = await open();
      const id = await jobWith(store, SEARCHED);
      const search = (text: string) => store.jobs.logs.search(id, { text, limit: 100, fold: false });
      const seqs = async (text: string) => (await search(text)).map((m) => m.seq);
      expect(await search('PARSER')).toEqual([
        { seq: 6, kind: 'agent_message', text: 'The parser fails on empty input.' },
        { seq: 3, kind: 'command_finished', text: 'npm test FAIL src/parser.test.ts expected 3, got 4' },
        { seq: 2, kind: 'command_started', text: 'npm test -- --grep "Parser"' },
      ]);
      // Field names and kinds are not text: nothing says "command" or "output" or "total" in words.
      expect(await search('output')).toEqual([]);
      expect(await search('total')).toEqual([]);
      // What JSON escapes still matches: quotes, backslashes, a newline; and Korean as typed.
      expect(await seqs('"parser"')).toEqual([2]);
      expect(await seqs('C:\\TEMP')).toEqual([7]);
      expect(await seqs('ts\n  expected')).toEqual([3]);
      expect(await search('파서 수정')).toEqual([{ seq: 9, kind: 'agent_message', text: '한국어 메시지: 파서 수정 완료' }]);
    });

    it('pages with before and limit, and with fold never matches a covered delta', async () => {
      const store = await open();
      const id = await jobWith(store, SEARCHED);
      const seqs = async (query: { text: string; limit: number; before?: number; fold: boolean }) => (await store.jobs.logs.search(id, query)).map((m) => m.seq);
      expect(await seqs({ text: 'par', limit: 2, fold: false })).toEqual([6, 4]);
      expect(await seqs({ text: 'par', limit: 2, before: 4, fold: false })).toEqual([3, 2]);
      expect(await seqs({ text: 'par', limit: 100, fold: true })).toEqual([6, 3, 2]);
      const typing = await jobWith(store, [started, delta('still typing the par'), delta('ser')]);
      expect((await store.jobs.logs.search(typing, { text: 'the par', limit: 100, fold: true })).map((m) => m.seq)).toEqual([2]);
    });

    it('cuts a long text to a snippet of at most 200 characters around the hit', async () => {
      const store = await open();
      const output = `${'a'.repeat(5_000)} needle ${'b'.repeat(5_000)}`;
      const id = await jobWith(store, [{ kind: 'command_finished', command: 'x', exitCode: 0, output }]);
      const [match] = await store.jobs.logs.search(id, { text: 'NEEDLE', limit: 1, fold: false });
      expect(match!.text.length).toBeLessThanOrEqual(200);
      expect(match!.text).toContain('needle');
      expect(match!.text.startsWith('…') && match!.text.endsWith('…')).toBe(true);
    });
  });
}
