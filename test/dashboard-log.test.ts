import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeWorker } from '../src/node/index.js';
import { browserAvailable, startBrowser, type TestBrowser } from '../src/test-support/browser.js';
import { ControlledExecutor } from '../src/test-support/controlled-executor.js';
import { longLogEvent, roundWarning, ROUND, seedLongJob } from '../src/test-support/long-log.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { startTestNode } from '../src/test-support/test-node.js';
import { waitFor } from '../src/test-support/wait.js';

/**
 * The job log of a long job in real Chromium against a real master: a 20,000-event job seeded into
 * the store, and a running one a real node streams into. Only what is on screen is in the page.
 */

const DASHBOARD_DIR = resolve('frontend/dist');
const SEEDED_EVENTS = 20_000;
/** Rows in the page at most: a screenful and the overscan, never the log. */
const MAX_ROWS = 100;

/** The log box's scrolling, typed here: the root project compiles without the DOM library. */
interface Box {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  getBoundingClientRect(): { top: number; bottom: number };
}

/** Seq of event `index` (0-based) of the seeded log. */
const seqOf = (index: number): number => index + 1;

describe.skipIf(!browserAvailable())('the job log of a long job', () => {
  let master: TestMaster;
  let browser: TestBrowser;
  let page: Page;
  let worker: NodeWorker;
  const executor = new ControlledExecutor();
  let seeded = 0;

  const log = (): Locator => page.getByTestId('job-log');
  const rows = (): Locator => log().locator('li.log-item');
  const fromBottom = (): Promise<number> => log().evaluate((el: Box) => el.scrollHeight - el.scrollTop - el.clientHeight);
  const seqsInPage = async (): Promise<number[]> => (await rows().evaluateAll((lis) => lis.map((li) => Number((li as unknown as { dataset: { seq: string } }).dataset.seq)))).sort((a, b) => a - b);
  /** Whether the row of `seq` is in the page and inside the box's visible area. */
  const inView = (seq: number): Promise<boolean> =>
    log().evaluate((el: Box & { querySelector(s: string): Box | null }, s) => {
      const row = el.querySelector(`li[data-seq="${s}"]`);
      if (row === null) return false;
      const [box, r] = [el.getBoundingClientRect(), row.getBoundingClientRect()];
      return r.bottom > box.top && r.top < box.bottom;
    }, seq);
  /** Where the row of `seq` is, in px below the top of the log's box (undefined: not in the page). */
  const offsetInBox = (seq: number): Promise<number | undefined> =>
    log().evaluate((el: Box & { querySelector(s: string): Box | null }, s) => {
      const row = el.querySelector(`li[data-seq="${s}"]`);
      return row === null ? undefined : row.getBoundingClientRect().top - el.getBoundingClientRect().top;
    }, seq);
  const openJob = async (id: number): Promise<void> => {
    await page.goto(`${master.httpUrl}/jobs/${id}`);
    await page.getByRole('heading', { name: `Job #${id}` }).waitFor();
  };

  beforeAll(async () => {
    if (!existsSync(`${DASHBOARD_DIR}/index.html`)) throw new Error(`no built dashboard in ${DASHBOARD_DIR}: run npm run build first`);
    const dataDir = tempDir();
    seeded = seedLongJob(dataDir, SEEDED_EVENTS);
    master = await startTestMaster({ dataDir }, { dashboardDir: DASHBOARD_DIR });
    worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'streamer', executor });
    browser = await startBrowser();
    page = browser.page;
    await page.goto(`${master.httpUrl}/?token=${master.adminToken.value}`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.agent.stop();
    await master?.close();
    removeTempDirs();
  });

  it('opens a 20,000-event job at its newest events with only a screenful of rows in the page', async () => {
    await openJob(seeded);
    await expect.poll(() => log().textContent()).toContain('Finished: succeeded');
    expect(await page.getByTestId('log-state').textContent()).toBe('Complete');
    await expect.poll(fromBottom).toBeLessThan(30);
    expect(await inView(SEEDED_EVENTS)).toBe(true);
    expect(await rows().count()).toBeLessThan(MAX_ROWS);
    // Older events exist: the list does not know its size.
    expect(await rows().first().getAttribute('aria-setsize')).toBe('-1');
    // Folded: the streamed message shows once, whole, with no delta of it on its own.
    const text = await log().textContent();
    const lastRound = Math.floor((SEEDED_EVENTS - 2) / ROUND);
    expect(text).toContain(`Checking shard ${lastRound} — all good.`);
    expect(text).not.toMatch(/Checking shard \d+ (?!—)/);
    await browser.screenshot('log-long-newest');
  });

  it('loads older pages as the reader scrolls up, keeping the rows in view where they are', async () => {
    const before = await seqsInPage();
    for (let round = 0; round < 4; round++) {
      // The older page is held until the rows on screen are noted: then it may come.
      let release = (): void => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route((url) => url.pathname.endsWith('/logs') && url.searchParams.has('before'), async (route) => {
        await held;
        await route.continue();
      });
      await log().evaluate((el: Box) => (el.scrollTop = 0));
      await page.getByText('Loading older events…').waitFor();
      const top = (await seqsInPage())[0] ?? 0;
      await expect.poll(() => offsetInBox(top)).toBeLessThan(5);
      const offset = (await offsetInBox(top)) ?? Number.NaN;
      release();
      // It arrives above: the row at the top stays where it is on screen.
      await expect.poll(async () => (await seqsInPage())[0]! < top, { timeout: 10_000 }).toBe(true);
      await page.getByText('Loading older events…').waitFor({ state: 'detached' });
      await page.unrouteAll();
      expect(Math.abs(((await offsetInBox(top)) ?? Number.NaN) - offset)).toBeLessThan(40);
      expect(await log().evaluate((el: Box) => el.scrollTop)).toBeGreaterThan(1000);
      expect(await rows().count()).toBeLessThan(MAX_ROWS);
    }
    // Four pages of 500 events later, the rows in the page are older ones, and still only a screenful.
    const after = await seqsInPage();
    expect(after[0]!).toBeLessThan(before[0]! - 1000);
    expect(after.length).toBeLessThan(MAX_ROWS);
  });

  it('searches the whole log, jumps to a match far back and highlights it, and jumps back to the newest', async () => {
    const round = 123;
    const seq = seqOf(round * ROUND + 7);
    expect(longLogEvent(round * ROUND + 7)).toMatchObject({ kind: 'log', message: roundWarning(round) });
    await page.getByLabel('Search the log').fill(roundWarning(round));
    await page.getByLabel('Search the log').press('Enter');
    await expect.poll(() => page.getByTestId('log-search-status').textContent()).toBe('Match 1 of 1 (newest first)');
    const hit = log().locator('li.log-hit');
    await expect.poll(() => hit.getAttribute('data-seq')).toBe(String(seq));
    await expect.poll(() => inView(seq)).toBe(true);
    expect(await hit.textContent()).toBe(roundWarning(round));
    expect(await rows().count()).toBeLessThan(MAX_ROWS);
    await page.getByText('Showing an earlier part of the log').waitFor();
    await browser.screenshot('log-long-search');
    await page.setViewportSize({ width: 390, height: 844 });
    await browser.screenshot('log-long-search-phone');
    await page.setViewportSize({ width: 1280, height: 860 });

    // A text of five events (rounds 7, 407, … 1607): Enter again and "next" go on to older matches,
    // "previous" back, and each one is loaded, shown and highlighted in turn.
    const compiled = [1607, 1207, 807, 407, 7].map((n) => seqOf(n * ROUND + 2));
    const shows = async (index: number): Promise<void> => {
      await expect.poll(() => page.getByTestId('log-search-status').textContent()).toBe(`Match ${index + 1} of 5 (newest first)`);
      await expect.poll(() => hit.getAttribute('data-seq')).toBe(String(compiled[index]));
      await expect.poll(() => inView(compiled[index]!)).toBe(true);
      expect(await hit.textContent()).toMatch(/^step \d+: compiled 7 files$/);
    };
    await page.getByLabel('Search the log').fill('compiled 7 files');
    await page.getByLabel('Search the log').press('Enter');
    await shows(0);
    await page.getByLabel('Search the log').press('Enter');
    await shows(1);
    await page.getByRole('button', { name: 'Next match' }).click();
    await shows(2);
    await page.getByRole('button', { name: 'Previous match' }).click();
    await shows(1);
    await page.getByRole('list', { name: 'Matches in the log' }).getByRole('button', { name: new RegExp(`^#${compiled[4]} `) }).click();
    await shows(4);
    expect(await page.getByRole('button', { name: 'Next match' }).isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Jump to newest ↓' }).click();
    await expect.poll(() => inView(SEEDED_EVENTS)).toBe(true);
    await expect.poll(fromBottom).toBeLessThan(30);
  });

  it('pages both ways from a match far back, and joins the newest events again when it meets them', async () => {
    await openJob(seeded);
    await expect.poll(() => inView(SEEDED_EVENTS)).toBe(true);
    const seq = seqOf(1500 * ROUND + 7);
    await page.getByLabel('Search the log').fill(roundWarning(1500));
    await page.getByLabel('Search the log').press('Enter');
    await expect.poll(() => inView(seq)).toBe(true);
    const detached = page.getByText('Showing an earlier part of the log');
    await detached.waitFor();

    // Up: an older page comes in above, and the reader stays up there (no snapping back to the match).
    const top = (await seqsInPage())[0]!;
    await log().evaluate((el: Box) => (el.scrollTop = 0));
    await expect.poll(async () => (await seqsInPage())[0]! < top - 300).toBe(true);
    await page.getByText('Loading older events…').waitFor({ state: 'detached' });
    expect(await inView(seq)).toBe(false);

    // Down: newer pages until they reach the newest part, which is then one log again, followed at its end.
    await expect
      .poll(
        async () => {
          await log().evaluate((el: Box) => (el.scrollTop = el.scrollHeight));
          return detached.count();
        },
        { timeout: 15_000 },
      )
      .toBe(0);
    await expect
      .poll(async () => {
        await log().evaluate((el: Box) => (el.scrollTop = el.scrollHeight));
        return inView(SEEDED_EVENTS);
      })
      .toBe(true);
    expect(await rows().count()).toBeLessThan(MAX_ROWS);
    const shown = await seqsInPage();
    expect(new Set(shown).size).toBe(shown.length);
  });

  it('follows a running job live while the reader is at the bottom', async () => {
    const created = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'stream a lot', node: 'streamer' }) });
    const { id } = (await created.json()) as { id: number };
    const run = await executor.waitForRun(id);
    for (let i = 0; i < 3000; i++) run.emit({ kind: 'log', level: 'info', message: `early line ${i}` });
    await waitFor(async () => ((await (await master.api(`/api/jobs/${id}`)).json()) as { lastSeq: number }).lastSeq >= 3001, '3000 events stored');

    await openJob(id);
    await expect.poll(() => log().textContent()).toContain('early line 2999');
    await expect.poll(() => page.getByTestId('log-state').textContent()).toBe('Following live');
    for (let i = 0; i < 50; i++) run.emit({ kind: 'log', level: 'info', message: `live line ${i}` });
    await expect.poll(() => log().textContent()).toContain('live line 49');
    await expect.poll(fromBottom).toBeLessThan(30);
    run.emit({ kind: 'agent_message_delta', delta: 'Typing a ' });
    run.emit({ kind: 'agent_message_delta', delta: 'message' });
    await expect.poll(() => log().locator('.message.streaming').textContent()).toBe('Typing a message');
    run.emit({ kind: 'agent_message', text: 'Typing a message, done.' });
    await expect.poll(() => log().locator('.message').last().textContent()).toBe('Typing a message, done.');
    expect(await log().locator('.message.streaming').count()).toBe(0);
    expect(await rows().count()).toBeLessThan(MAX_ROWS);
    run.finish();
    await expect.poll(() => page.getByTestId('log-state').textContent()).toBe('Complete');
  });

  it('says it in Korean', async () => {
    await openJob(seeded);
    await page.getByTestId('language').selectOption('ko');
    await page.getByLabel('로그 검색').fill(roundWarning(7));
    await page.getByRole('button', { name: '찾기' }).click();
    await expect.poll(() => page.getByTestId('log-search-status').textContent()).toBe('일치 항목 1개 중 1번째 (최신순)');
    await page.getByRole('button', { name: '최신으로 이동 ↓' }).waitFor();
    expect(await page.getByTestId('log-state').textContent()).toBe('완료');
    await page.getByTestId('language').selectOption('en');
  });

  it('logged no console errors or warnings', () => {
    expect(browser.problems).toEqual([]);
  });
});
