import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobEvent, SequencedJobEvent } from '../../protocol/index.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import type { JobRecord } from '../store/index.js';

interface Page {
  jobId: number;
  status: string;
  lastSeq: number;
  events: SequencedJobEvent[];
  more: boolean;
}
interface Matches {
  matches: Array<{ seq: number; kind: string; text: string }>;
}

let master: TestMaster;
let node: TestClient;
let job: JobRecord;
let sent = 0;

beforeEach(async () => {
  master = await startTestMaster();
  node = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'raw', capabilities: { slots: 1, executors: ['raw'] } });
  job = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'long log' }) })).json()) as JobRecord;
  await node.next((m) => m.json?.type === 'job_assign');
  sent = 0;
});
afterEach(async () => {
  node.close();
  await master.close();
});
afterAll(removeTempDirs);

/** Sends events as the job's node and waits for the master's acknowledgement (they are stored then). */
async function send(...events: JobEvent[]): Promise<void> {
  const at = new Date().toISOString();
  const sequenced = events.map((event) => ({ seq: ++sent, at, event }));
  node.sendJson({ type: 'job_events', jobId: job.id, events: sequenced });
  await node.next((m) => m.json?.type === 'job_ack' && m.json.seq === sent);
}

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await master.api(path);
  return { status: res.status, body: (await res.json()) as T };
}
const page = async (query: string) => (await get<Page>(`/api/jobs/${job.id}/logs?${query}`)).body;
const seqs = (p: Page) => p.events.map((e) => e.seq);

const delta = (text: string): JobEvent => ({ kind: 'agent_message_delta', delta: text });
const command = (text: string): JobEvent => ({ kind: 'command_started', command: text });

describe('GET /api/jobs/:id/logs', () => {
  it('pages forwards with after and backwards with before, saying whether there is more', async () => {
    await send({ kind: 'started', executor: 'raw' }, ...Array.from({ length: 9 }, (_, i) => command(`step ${i + 2}`)));
    expect(await page('')).toMatchObject({ jobId: job.id, status: 'running', lastSeq: 10, more: false });
    expect(seqs(await page('after=0&limit=4'))).toEqual([1, 2, 3, 4]);
    expect(await page('after=4&limit=4')).toMatchObject({ more: true });
    expect(await page('after=8&limit=4')).toMatchObject({ events: [{ seq: 9 }, { seq: 10 }], more: false });
    // The newest page, then the older ones, each in ascending order.
    const newest = await page('before=11&limit=4');
    expect([seqs(newest), newest.more]).toEqual([[7, 8, 9, 10], true]);
    expect(seqs(await page('before=7&limit=4'))).toEqual([3, 4, 5, 6]);
    expect(await page('before=3&limit=4')).toMatchObject({ events: [{ seq: 1 }, { seq: 2 }], more: false });
    // A before past the end is the newest page too.
    expect(seqs(await page('before=999999999999999&limit=2'))).toEqual([9, 10]);
  });

  it('folds deltas on a running job once their message has arrived, and keeps the one being typed', async () => {
    await send({ kind: 'started', executor: 'raw' }, delta('Look'), delta('ing'), command('ls'), { kind: 'agent_message', text: 'Looking' }, delta('Fou'), delta('nd'));
    const typing = await page('before=8&limit=100&fold=true');
    expect(typing.events.map((e) => e.event.kind)).toEqual(['started', 'command_started', 'agent_message', 'agent_message_delta', 'agent_message_delta']);
    expect(typing).toMatchObject({ lastSeq: 7, more: false });
    // Unfolded (the default), every delta is there.
    expect(seqs(await page('before=8&limit=100'))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(seqs(await page('fold=false'))).toEqual([1, 2, 3, 4, 5, 6, 7]);

    await send({ kind: 'agent_message', text: 'Found' });
    expect(seqs(await page('before=9&limit=100&fold=true'))).toEqual([1, 4, 5, 8]);
    expect(seqs(await page('after=0&limit=2&fold=true'))).toEqual([1, 4]);
    expect(await page('after=4&limit=2&fold=true')).toMatchObject({ events: [{ seq: 5 }, { seq: 8 }], more: false });
  });

  it.each([
    ['after=1&before=5', 'after and before cannot be used together'],
    ['fold=yes', 'fold must be true or false'],
    ['fold=', 'fold must be true or false'],
    ['before=0', 'before must be between 1'],
    ['before=x', 'before must be decimal digits'],
    ['limit=5001', 'limit must be between 1 and 5000'],
  ])('refuses %s with a 400 naming the problem', async (query, problem) => {
    const answer = await get<{ error: { code: string; message: string } }>(`/api/jobs/${job.id}/logs?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'bad_request' });
    expect(answer.body.error.message).toContain(problem);
  });

  it('answers 404 for a job that does not exist', async () => {
    expect((await get(`/api/jobs/999/logs?before=5`)).status).toBe(404);
    expect((await get(`/api/jobs/999/logs/search?q=x`)).status).toBe(404);
  });
});

describe('GET /api/jobs/:id/logs/search', () => {
  it('finds text in the log newest first, pages with before, and with fold skips covered deltas', async () => {
    await send(
      { kind: 'started', executor: 'raw' },
      command('grep -r TODO src'),
      { kind: 'command_finished', command: 'grep -r TODO src', exitCode: 0, output: 'src/a.ts: // todo: remove' },
      delta('No todo'),
      delta('s left'),
      { kind: 'agent_message', text: 'No TODOs left' },
    );
    const all = await get<Matches>(`/api/jobs/${job.id}/logs/search?q=todo`);
    expect(all.status).toBe(200);
    expect(all.body.matches).toEqual([
      { seq: 6, kind: 'agent_message', text: 'No TODOs left' },
      { seq: 4, kind: 'agent_message_delta', text: 'No todo' },
      { seq: 3, kind: 'command_finished', text: 'grep -r TODO src src/a.ts: // todo: remove' },
      { seq: 2, kind: 'command_started', text: 'grep -r TODO src' },
    ]);
    const folded = await get<Matches>(`/api/jobs/${job.id}/logs/search?q=ToDo&fold=true`);
    expect(folded.body.matches.map((m) => m.seq)).toEqual([6, 3, 2]);
    const older = await get<Matches>(`/api/jobs/${job.id}/logs/search?q=todo&before=4&limit=1`);
    expect(older.body.matches.map((m) => m.seq)).toEqual([3]);
    const none = await get<Matches>(`/api/jobs/${job.id}/logs/search?q=${encodeURIComponent('nothing like it')}`);
    expect(none.body).toEqual({ matches: [] });
  });

  it.each([
    ['', 'q (the text to look for) is required'],
    ['query=x', 'Unrecognized key: "query"'],
    ['q=', 'q must not be empty'],
    ['q=%20%20', 'q must not be only whitespace'],
    [`q=${'x'.repeat(201)}`, 'q must be at most 200 characters'],
    ['q=x&limit=501', 'limit must be between 1 and 500'],
    ['q=x&after=3', 'after'],
  ])('refuses %s with a 400', async (query, problem) => {
    const answer = await get<{ error: { code: string; message: string } }>(`/api/jobs/${job.id}/logs/search?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain(problem);
  });
});
