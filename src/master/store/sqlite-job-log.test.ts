import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { JobEvent, SequencedJobEvent } from '../../protocol/index.js';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { coveredDeltas } from './delta-folding.js';
import { SqliteStore } from './sqlite-store.js';

const stores: SqliteStore[] = [];
afterEach(() => stores.splice(0).forEach((store) => store.close()));
afterAll(removeTempDirs);

const AT = '2026-01-01T00:00:00.000Z';

function openStore(): SqliteStore {
  const store = new SqliteStore(tempDir());
  stores.push(store);
  return store;
}

/** A job holding `events` (numbered from 1, in order), stored and committed. */
function jobWith(store: SqliteStore, events: JobEvent[]): number {
  const { id } = store.jobs.create({ prompt: 'p', target: { tags: [] }, profile: {}, origin: { kind: 'api' }, maxAttempts: 1, timeoutSec: 1 }, AT);
  const sequenced: SequencedJobEvent[] = events.map((event, i) => ({ seq: i + 1, at: AT, event }));
  for (let start = 0; start < sequenced.length; start += 10_000) store.jobs.appendEvents(id, sequenced.slice(start, start + 10_000));
  store.commit();
  return id;
}

const delta = (text: string): JobEvent => ({ kind: 'agent_message_delta', delta: text });
const message = (text: string): JobEvent => ({ kind: 'agent_message', text });
const started: JobEvent = { kind: 'started', executor: 'raw' };
const command = (text: string): JobEvent => ({ kind: 'command_started', command: text });

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

describe('SqliteJobLog pages', () => {
  it('pages after and before a seq, with `more` saying whether the log goes on, folded or not', () => {
    const store = openStore();
    for (const seed of [1, 2, 3]) {
      const events = randomLog(seed, 600);
      const id = jobWith(store, events);
      for (const fold of [false, true]) {
        const expected = fold ? folded(events) : events.map((_, i) => i + 1);
        for (const limit of [3, 97, 5000]) {
          // Forwards from 0, each page after the last seq of the one before.
          const forwards: number[] = [];
          for (let after = 0, more = true; more; ) {
            const page = store.jobs.logs.page(id, { after, limit, fold });
            expect(page.events.length).toBeLessThanOrEqual(limit);
            forwards.push(...page.events.map((e) => e.seq));
            more = page.more;
            if (more) after = page.events.at(-1)!.seq;
          }
          expect(forwards, `fold ${fold} limit ${limit} forwards`).toEqual(expected);
          // Backwards from the newest page, each before the first seq of the one after.
          const backwards: number[] = [];
          for (let before = events.length + 1, more = true; more; ) {
            const page = store.jobs.logs.page(id, { before, limit, fold });
            backwards.unshift(...page.events.map((e) => e.seq));
            more = page.more;
            if (more) before = page.events[0]!.seq;
          }
          expect(backwards, `fold ${fold} limit ${limit} backwards`).toEqual(expected);
        }
      }
    }
  });

  it('judges a page by what follows it: deltas before a later message are folded, a message still being typed is not', () => {
    const store = openStore();
    const id = jobWith(store, [started, delta('Hel'), delta('lo'), command('ls'), message('Hello'), delta('Wor'), delta('ld')]);
    // A page that ends in the first message's deltas: the message after the page covers them.
    expect(store.jobs.logs.page(id, { after: 0, limit: 1, fold: true })).toMatchObject({ events: [{ seq: 1 }], more: true });
    expect(store.jobs.logs.page(id, { after: 1, limit: 1, fold: true }).events.map((e) => e.seq)).toEqual([4]);
    expect(store.jobs.logs.page(id, { before: 4, limit: 10, fold: true })).toMatchObject({ events: [{ seq: 1 }], more: false });
    // The second message is still being typed: its deltas stay, and the newest page shows them.
    const newest = store.jobs.logs.page(id, { before: 8, limit: 3, fold: true });
    expect(newest.events.map((e) => [e.seq, e.event.kind])).toEqual([
      [5, 'agent_message'],
      [6, 'agent_message_delta'],
      [7, 'agent_message_delta'],
    ]);
    expect(newest.more).toBe(true);
    // Unfolded, everything is there.
    expect(store.jobs.logs.page(id, { after: 0, limit: 100, fold: false }).events).toHaveLength(7);
  });

  it('keeps the deltas of an attempt that died mid-message (a new attempt started after them)', () => {
    const store = openStore();
    const id = jobWith(store, [started, delta('a'), delta('b'), started, message('ab'), { kind: 'finished', result: { status: 'succeeded', durationMs: 1, filesChanged: [], commands: [] } }]);
    expect(store.jobs.logs.page(id, { after: 0, limit: 100, fold: true }).events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('answers an empty page past either end, with nothing more', () => {
    const store = openStore();
    const id = jobWith(store, [started, message('x')]);
    expect(store.jobs.logs.page(id, { after: 2, limit: 10, fold: true })).toEqual({ events: [], more: false });
    expect(store.jobs.logs.page(id, { before: 1, limit: 10, fold: false })).toEqual({ events: [], more: false });
    const empty = jobWith(store, []);
    expect(store.jobs.logs.page(empty, { before: 1, limit: 10, fold: true })).toEqual({ events: [], more: false });
  });
});

describe('SqliteJobLog search', () => {
  const log: JobEvent[] = [
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

  it('finds the human text case-insensitively, newest first, with a snippet, and not field names', () => {
    const store = openStore();
    const id = jobWith(store, log);
    expect(store.jobs.logs.search(id, { text: 'PARSER', limit: 100, fold: false })).toEqual([
      { seq: 6, kind: 'agent_message', text: 'The parser fails on empty input.' },
      { seq: 3, kind: 'command_finished', text: 'npm test FAIL src/parser.test.ts expected 3, got 4' },
      { seq: 2, kind: 'command_started', text: 'npm test -- --grep "Parser"' },
    ]);
    // Field names and kinds are not text: nothing says "command" or "output" or "total" in words.
    expect(store.jobs.logs.search(id, { text: 'output', limit: 100, fold: false })).toEqual([]);
    expect(store.jobs.logs.search(id, { text: 'total', limit: 100, fold: false })).toEqual([]);
    // What JSON escapes still matches: quotes, backslashes, a newline; and Korean as typed.
    expect(store.jobs.logs.search(id, { text: '"parser"', limit: 100, fold: false }).map((m) => m.seq)).toEqual([2]);
    expect(store.jobs.logs.search(id, { text: 'C:\\TEMP', limit: 100, fold: false }).map((m) => m.seq)).toEqual([7]);
    expect(store.jobs.logs.search(id, { text: 'ts\n  expected', limit: 100, fold: false }).map((m) => m.seq)).toEqual([3]);
    expect(store.jobs.logs.search(id, { text: '파서 수정', limit: 100, fold: false })).toEqual([{ seq: 9, kind: 'agent_message', text: '한국어 메시지: 파서 수정 완료' }]);
  });

  it('pages with before and limit, and with fold never matches a covered delta', () => {
    const store = openStore();
    const id = jobWith(store, log);
    expect(store.jobs.logs.search(id, { text: 'par', limit: 2, fold: false }).map((m) => m.seq)).toEqual([6, 4]);
    expect(store.jobs.logs.search(id, { text: 'par', limit: 2, before: 4, fold: false }).map((m) => m.seq)).toEqual([3, 2]);
    expect(store.jobs.logs.search(id, { text: 'par', limit: 100, fold: true }).map((m) => m.seq)).toEqual([6, 3, 2]);
    const typing = jobWith(store, [started, delta('still typing the par'), delta('ser')]);
    expect(store.jobs.logs.search(typing, { text: 'the par', limit: 100, fold: true }).map((m) => m.seq)).toEqual([2]);
  });

  it('cuts a long text to a snippet of at most 200 characters around the hit', () => {
    const store = openStore();
    const output = `${'a'.repeat(5_000)} needle ${'b'.repeat(5_000)}`;
    const id = jobWith(store, [{ kind: 'command_finished', command: 'x', exitCode: 0, output }]);
    const [match] = store.jobs.logs.search(id, { text: 'NEEDLE', limit: 1, fold: false });
    expect(match!.text.length).toBeLessThanOrEqual(200);
    expect(match!.text).toContain('needle');
    expect(match!.text.startsWith('…') && match!.text.endsWith('…')).toBe(true);
  });
});

describe('SqliteJobLog on a 200 000-event job', () => {
  it('reads the newest folded page, an older one and a search fast', () => {
    const store = openStore();
    const kinds = (i: number): JobEvent =>
      i % 10 < 5
        ? delta(`word${i} `)
        : i % 10 === 5
          ? message(`message ${i} done`)
          : i % 10 < 8
            ? command(`cat file-${i}.txt`)
            : { kind: 'command_finished', command: `cat file-${i}.txt`, exitCode: 0, output: `line one of ${i}\nline two` };
    const events = Array.from({ length: 200_000 }, (_, i) => kinds(i));
    events.push(delta('typing'));
    const id = jobWith(store, events);
    const time = <T>(run: () => T): { ms: number; value: T } => {
      const start = performance.now();
      const value = run();
      return { ms: performance.now() - start, value };
    };
    const newest = time(() => store.jobs.logs.page(id, { before: 200_002, limit: 200, fold: true }));
    const middle = time(() => store.jobs.logs.page(id, { before: 100_000, limit: 1000, fold: true }));
    const hit = time(() => store.jobs.logs.search(id, { text: 'FILE-12346.TXT', limit: 100, fold: true }));
    const miss = time(() => store.jobs.logs.search(id, { text: 'no such text', limit: 100, fold: true }));
    console.log(
      `200k events: newest folded page ${newest.ms.toFixed(1)} ms, middle page ${middle.ms.toFixed(1)} ms, ` +
        `search (1 hit) ${hit.ms.toFixed(1)} ms, search (no hit, whole log) ${miss.ms.toFixed(1)} ms`,
    );
    expect(newest.value.events).toHaveLength(200);
    expect(newest.value.events.at(-1)).toMatchObject({ seq: 200_001, event: { kind: 'agent_message_delta' } });
    expect(middle.value.events.every((e) => e.event.kind !== 'agent_message_delta')).toBe(true);
    expect(hit.value.map((m) => m.seq)).toEqual([12347]);
    expect(miss.value).toEqual([]);
    // Generous bounds for a loaded machine; the figures printed are what to compare.
    expect(newest.ms + middle.ms).toBeLessThan(500);
    expect(miss.ms).toBeLessThan(2_000);
  }, 60_000);
});
