import type { APIResponse, Locator, Page, Request, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JobQuestion, QuestionAnswer, QuestionKind } from '../src/protocol/index.js';
import { browserAvailable, type TestBrowser } from '../src/test-support/browser.js';
import type { ChangeNode } from '../src/test-support/change-node.js';
import type { TestMaster } from '../src/test-support/test-master.js';
import { openAskerDashboard, RawJob, type AskerDashboard } from './raw-job.js';

/**
 * What a person has typed into a question card survives the job's live updates: another event of
 * the job, and a read of the job that the master answered before the questions were asked but that
 * reaches the page only after the stream brought them (the refetch every stream connection makes),
 * and a read that fails. Every kind of question the protocol knows is asked at once, each filled in
 * as a person would.
 */


interface Sample<K extends QuestionKind> {
  question: (id: string) => Extract<JobQuestion, { kind: K }>;
  /** Fills in every field its card shows. */
  fill?: (card: Locator) => Promise<void>;
  /** What its first decision sends once filled in. */
  answer: QuestionAnswer;
}

const approval = { decisions: ['accept', 'decline'] } satisfies Pick<JobQuestion, 'decisions'>;

/** One question per kind: a kind added to the protocol fails to compile here until it has one. */
const SAMPLES: { [K in QuestionKind]: Sample<K> } = {
  command: { question: (id) => ({ id, kind: 'command', method: 'item/commandExecution/requestApproval', command: 'make', ...approval }), answer: { decision: 'accept' } },
  file_change: { question: (id) => ({ id, kind: 'file_change', method: 'item/fileChange/requestApproval', changes: [], ...approval }), answer: { decision: 'accept' } },
  permissions: { question: (id) => ({ id, kind: 'permissions', method: 'item/permissions/requestApproval', permissions: { network: true }, ...approval }), answer: { decision: 'accept' } },
  user_input: {
    question: (id) => ({
      id,
      kind: 'user_input',
      method: 'item/tool/requestUserInput',
      questions: [
        { id: 'target', header: 'Environment', question: 'Where?', isOther: true, isSecret: false, options: [{ label: 'staging', description: '' }, { label: 'production', description: '' }] },
        { id: 'pin', header: 'PIN', question: 'Which PIN?', isOther: false, isSecret: true, options: [] },
      ],
      ...approval,
    }),
    fill: async (card) => {
      await card.locator('[data-user-input="target"]').getByLabel('production').check();
      await card.locator('[data-user-input="target"]').getByRole('textbox').fill('production-eu');
      await card.locator('[data-user-input="pin"] input[type="password"]').fill('4711');
    },
    answer: { decision: 'accept', answers: { target: ['production-eu'], pin: ['4711'] } },
  },
  elicitation: {
    question: (id) => ({ id, kind: 'elicitation', method: 'mcpServer/elicitation/request', serverName: 'tracker', mode: 'form', message: 'Which ticket?', requestedSchema: { type: 'object', properties: { ticket: { type: 'string' } } }, ...approval }),
    fill: (card) => card.getByRole('textbox').fill('{"ticket": "OPS-7"}'),
    answer: { decision: 'accept', content: { ticket: 'OPS-7' } },
  },
  tool_call: {
    question: (id) => ({ id, kind: 'tool_call', method: 'item/tool/call', tool: 'lookup', arguments: { customer: 42 }, ...approval }),
    fill: (card) => card.getByRole('textbox').fill('Ada Lovelace'),
    answer: { decision: 'accept', text: 'Ada Lovelace' },
  },
  unknown: { question: (id) => ({ id, kind: 'unknown', method: 'item/new/request', params: {}, decisions: ['decline'] }), answer: { decision: 'decline' } },
};

/** What a card's fields hold: text as typed, choices (in groups) as picked. */
type Fields = Array<{ value: string; group?: string; checked?: boolean }>;

/** The DOM of a form field, as far as read here (the tests' TypeScript has no DOM types). */
interface FieldElement {
  type: string;
  name: string;
  value: string;
  checked: boolean;
}

const fieldsOf = (card: Locator): Promise<Fields> =>
  card.locator('input, textarea, select').evaluateAll((fields) =>
    fields.map((field) => {
      const input = field as unknown as FieldElement;
      return input.type === 'radio' || input.type === 'checkbox' ? { value: input.value, group: input.name, checked: input.checked } : { value: input.value };
    }),
  );

/** What the person sees in a card's fields (a group's name is the page's own). */
const shown = async (card: Locator): Promise<Array<{ value: string; checked?: boolean }>> => (await fieldsOf(card)).map(({ value, checked }) => ({ value, checked }));

/** Fields the person left as they came: a text still at its first value, a group of choices with none picked. */
function untouched(before: Fields, after: Fields): number {
  const unpicked = new Set(after.flatMap((f) => (f.group === undefined ? [] : [f.group])));
  for (const f of after) if (f.group !== undefined && f.checked === true) unpicked.delete(f.group);
  return unpicked.size + after.filter((f, i) => f.group === undefined && f.value === before[i]?.value).length;
}

/** A promise the test settles itself: a route waits at one until the test opens it. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}

/** Holds the dashboard's event stream back until `open`. */
async function holdStream(page: Page): Promise<{ open: () => void }> {
  const gate = deferred();
  await page.route('**/api/events', async (route) => {
    await gate.promise;
    await route.continue();
  });
  return { open: () => gate.resolve() };
}

describe.skipIf(!browserAvailable())('a question card keeps what was typed through live updates', () => {
  let world: AskerDashboard | undefined;
  let master: TestMaster;
  let browser: TestBrowser;
  let page: Page;
  let node: ChangeNode;

  const card = (qid: string): Locator => page.locator(`[data-question="${qid}"][data-status="pending"]`);

  beforeAll(async () => {
    world = await openAskerDashboard();
    ({ master, node, browser, page } = world);
  }, 30_000);

  afterEach(() => page.unrouteAll());

  afterAll(() => world?.close());

  /**
   * Opens the job's page with its event stream held back, then lets the stream connect and holds
   * the job read that connection makes, as the master answered it: before any question. `deliver`
   * hands it to the page and resolves once the page has it.
   */
  async function openWithStaleRead(job: RawJob): Promise<{ deliver: () => Promise<Request> }> {
    const stream = await holdStream(page);
    const stale = deferred<{ response: APIResponse; request: Request }>();
    const release = deferred();
    let reads = 0;
    await page.route(
      (url) => url.pathname === `/api/jobs/${job.id}`,
      async (route: Route) => {
        if (++reads !== 2) return route.continue();
        const response = await route.fetch();
        stale.resolve({ response, request: route.request() });
        await release.promise;
        await route.fulfill({ response });
      },
    );
    await page.goto(`${master.httpUrl}/jobs/${job.id}`);
    await expect.poll(() => page.getByTestId('job-status').textContent()).toContain('running');
    stream.open();
    const { response, request } = await stale.promise;
    expect((await response.json()) as { questions?: unknown }).not.toHaveProperty('questions');
    return {
      deliver: () => {
        const finished = page.waitForEvent('requestfinished', (r) => r === request);
        release.resolve();
        return finished;
      },
    };
  }

  /** A job on the raw node, started. */
  async function startJob(prompt: string): Promise<RawJob> {
    const created = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt, node: 'asker', profile: { approvalPolicy: 'on-request' } }) });
    expect(created.status).toBe(201);
    const job = new RawJob(node, await node.assigned());
    await job.emit({ kind: 'started', executor: 'raw' });
    return job;
  }

  it('through another event of the job and a stale read of it, for every kind of question', async () => {
    const job = await startJob('Ask everything');
    const staleRead = await openWithStaleRead(job);

    const kinds = Object.keys(SAMPLES) as QuestionKind[];
    const samples = kinds.map((kind, i) => ({ kind, qid: job.qid(i + 1), sample: SAMPLES[kind] as Sample<QuestionKind> }));
    await job.emit(...samples.map(({ qid, sample }) => ({ kind: 'question' as const, question: sample.question(qid) })));
    const typed = new Map<string, Awaited<ReturnType<typeof shown>>>();
    for (const { kind, qid, sample } of samples) {
      await card(qid).waitFor();
      const before = await fieldsOf(card(qid));
      await sample.fill?.(card(qid));
      const after = await fieldsOf(card(qid));
      expect({ kind, untouched: untouched(before, after) }).toEqual({ kind, untouched: 0 });
      typed.set(qid, await shown(card(qid)));
    }
    expect([...typed.values()].flat().length).toBeGreaterThan(0);

    // A live update of the same job (another question), then the stale read, then one more update.
    let extra = samples.length;
    const anotherQuestion = async (): Promise<void> => {
      const qid = job.qid(++extra);
      await job.emit({ kind: 'question', question: SAMPLES.command.question(qid) });
      await card(qid).waitFor();
    };
    await anotherQuestion();
    for (const { kind, qid } of samples) expect({ kind, fields: await shown(card(qid)) }).toEqual({ kind, fields: typed.get(qid) });
    await staleRead.deliver();
    await anotherQuestion();
    for (const { kind, qid } of samples) expect({ kind, fields: await shown(card(qid)) }).toEqual({ kind, fields: typed.get(qid) });

    for (const { kind, qid, sample } of samples) {
      await card(qid).getByRole('group').getByRole('button').first().click();
      const frame = await job.answer();
      expect({ kind, answer: frame.answer }).toEqual({ kind, answer: sample.answer });
      await page.locator(`[data-question="${qid}"][data-status="answered"]`).waitFor();
    }
  });

  it('through a read of the job that fails', async () => {
    const job = await startJob('Ask once');
    const qid = job.qid();
    await job.emit({ kind: 'question', question: SAMPLES.tool_call.question(qid) });
    // The page reads the job with the question; the read its stream's connection makes then fails.
    const stream = await holdStream(page);
    let reads = 0;
    await page.route(
      (url) => url.pathname === `/api/jobs/${job.id}`,
      (route) => (++reads === 1 ? route.continue() : route.fulfill({ status: 503, json: { code: 'unavailable', message: 'busy' } })),
    );
    await page.goto(`${master.httpUrl}/jobs/${job.id}`);
    await card(qid).waitFor();
    await SAMPLES.tool_call.fill?.(card(qid));
    const typed = await shown(card(qid));
    stream.open();
    await page.locator('.job-detail .state-error').waitFor();
    expect(await shown(card(qid))).toEqual(typed);

    await page.unrouteAll();
    await card(qid).getByRole('group').getByRole('button').first().click();
    expect((await job.answer()).answer).toEqual(SAMPLES.tool_call.answer);
    // The refused reads are this test's only console errors; they are expected.
    expect(browser.problems.splice(0).filter((p) => !p.includes('503'))).toEqual([]);
  });

  it('logged no console errors or warnings', () => {
    expect(browser.problems).toEqual([]);
  });
});
