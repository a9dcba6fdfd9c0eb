import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDiffFiles } from '../src/node/diff-stat.js';
import type { ChangeSummary, JobSpec, Publication } from '../src/protocol/index.js';
import { browserAvailable, SCREENSHOT_DIR, startBrowser, type TestBrowser } from '../src/test-support/browser.js';
import { ChangeNode, openedPullRequest } from '../src/test-support/change-node.js';
import { everyKindOfChange, git, type GitChange } from '../src/test-support/git-change.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';

/**
 * The job's change view in real Chromium, against a real master whose node is a raw WebSocket
 * client sending real `git diff` output as `diff` events, and answering `job_publish`.
 */

const DASHBOARD_DIR = resolve('frontend/dist');
/** The colours of added and removed lines (styles.css), as the browser computes them. */
const ADDED_BG = 'rgb(230, 255, 236)';
const REMOVED_BG = 'rgb(255, 235, 233)';

/** The page's globals the tests read, typed here: the root project compiles without the DOM library. */
interface PageGlobals {
  getComputedStyle(element: unknown): { backgroundColor: string };
  longestTaskMs: number;
}

/** Records the longest task that held the page's main thread (a page script, run before the app's). */
const LONGEST_TASK = `window.longestTaskMs = 0;
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.longestTaskMs = Math.max(window.longestTaskMs, e.duration); })
  .observe({ type: 'longtask', buffered: true });`;

/** The stat a node reports for a change: `git diff -M --name-status` and `--numstat` of the range. */
function summaryOf(change: GitChange, jobId: number, overrides: Partial<ChangeSummary> = {}): ChangeSummary {
  const range = [change.base, change.head];
  const files = parseDiffFiles(git(change.dir, 'diff', '-M', '--name-status', '-z', ...range), git(change.dir, 'diff', '-M', '--numstat', '-z', ...range));
  const sum = (key: 'added' | 'removed') => files.reduce((total, file) => total + file[key], 0);
  const diffBytes = Buffer.byteLength(change.diff);
  return { baseCommit: change.base, headCommit: change.head, branch: `csc/job-${jobId}`, files, added: sum('added'), removed: sum('removed'), diffBytes, truncated: false, ...overrides };
}

/** A 5,000-line new file and 30 small ones: about 5,300 lines of diff. */
function largeChange(): GitChange {
  const dir = tempDir('csc-large-change-');
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'README.md'), '# big\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  const base = git(dir, 'rev-parse', 'HEAD').trim();
  writeFileSync(join(dir, 'big.txt'), Array.from({ length: 5000 }, (_, i) => `generated line ${i + 1}`).join('\n') + '\n');
  for (let f = 1; f <= 30; f++) writeFileSync(join(dir, `small-${String(f).padStart(2, '0')}.txt`), Array.from({ length: 10 }, (_, i) => `small ${f}.${i}`).join('\n') + '\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'head');
  const head = git(dir, 'rev-parse', 'HEAD').trim();
  return { dir, base, head, diff: git(dir, 'diff', '-M', base, head) };
}

describe.skipIf(!browserAvailable())('the change view in a real browser', () => {
  let master: TestMaster;
  let browser: TestBrowser;
  let page: Page;
  let node: ChangeNode;
  let kinds: GitChange;
  let reviewJob = 0;

  const file = (path: string): Locator => page.locator(`[data-file="${path}"]`);
  const toggle = (path: string): Locator => file(path).getByRole('button').first();
  const row = (path: string, text: string): Locator => file(path).locator('tr.diff-line').filter({ hasText: text });
  const cells = (line: Locator) => line.locator('td').allTextContents();
  const background = (line: Locator) => line.evaluate((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).backgroundColor);

  /** A job on `reviewer` created through the API and run to its end by the raw node with `diff`. */
  async function finishedJob(prompt: string, diff: string, summary: (id: number) => ChangeSummary, publication?: Publication): Promise<JobSpec> {
    const created = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt, node: 'reviewer', repo: 'acme/app' }) });
    expect(created.status).toBe(201);
    const spec = await node.assigned();
    await node.finish(spec, diff, { change: summary(spec.id), ...(publication === undefined ? {} : { publication }) });
    return spec;
  }

  async function openJob(id: number): Promise<void> {
    await page.goto(`${master.httpUrl}/jobs/${id}`);
    await page.getByTestId('job-change').waitFor();
  }

  beforeAll(async () => {
    kinds = everyKindOfChange();
    master = await startTestMaster({}, { dashboardDir: DASHBOARD_DIR });
    node = await ChangeNode.connect(master, 'reviewer');
    browser = await startBrowser();
    page = browser.page;
    await page.goto(`${master.httpUrl}/?token=${master.adminToken.value}`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    node?.close();
    await master?.close();
    removeTempDirs();
  });

  it('asks for a pull request from the job form, and shows the one the job opened', async () => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Jobs', exact: true }).click();
    await page.getByLabel('Prompt').fill('Tidy up the parser');
    await page.getByLabel('Node', { exact: true }).selectOption('reviewer');
    expect(await page.getByLabel('Publish').isDisabled()).toBe(true);
    await page.getByLabel('GitHub repository').fill('acme/app');
    await page.getByLabel('Publish').selectOption('pr');
    await page.getByRole('button', { name: 'Run job' }).click();
    const spec = await node.assigned();
    expect(spec.profile.publish).toBe('pr');
    const publication: Publication = { mode: 'pr', branch: `csc/job-${spec.id}`, pushedAt: new Date().toISOString(), pullRequest: { number: 7, url: 'https://github.com/acme/app/pull/7' } };
    await node.finish(spec, kinds.diff, { change: summaryOf(kinds, spec.id), publication });
    const link = page.getByTestId('pr-link');
    await link.waitFor();
    expect(await link.textContent()).toBe('#7');
    expect(await link.getAttribute('href')).toBe('https://github.com/acme/app/pull/7');
    expect(await page.locator('.facts').first().textContent()).toContain('publish: pull request');
  });

  it('lists every file with its status and counts, the first five open and the rest closed', async () => {
    const spec = await finishedJob('Change every kind of file', kinds.diff, (id) => summaryOf(kinds, id));
    reviewJob = spec.id;
    await openJob(reviewJob);
    const summary = summaryOf(kinds, reviewJob);
    expect(await page.getByTestId('change-stat').textContent()).toContain(`${summary.files.length} files changed +${summary.added} −${summary.removed}`);
    expect(await file('gone.txt').getByTestId('file-status').textContent()).toBe('deleted');
    expect(await file('src/new.ts').getByTestId('file-status').textContent()).toBe('added');
    expect(await file('src/edit.txt').getByTestId('file-counts').textContent()).toBe('+3 −1');
    expect(await file('new name.txt').getByTestId('file-status').textContent()).toBe('renamed');
    expect(await file('new name.txt').getByTestId('file-path').textContent()).toBe('old name.txt → new name.txt');
    expect(await file('logo.bin').textContent()).toContain('binary');
    const toggles = await page.getByTestId('diff-files').locator('.diff-toggle').all();
    const expanded = await Promise.all(toggles.map((button) => button.getAttribute('aria-expanded')));
    expect(expanded).toEqual(summary.files.map((_, i) => String(i < 5)));
    expect(await page.getByTestId('diff-truncated').count()).toBe(0);
  });

  it('shows each open file with old and new line numbers and coloured additions and removals, and collapses it', async () => {
    if ((await toggle('src/edit.txt').getAttribute('aria-expanded')) === 'false') await toggle('src/edit.txt').click();
    expect(await cells(row('src/edit.txt', 'line 0'))).toEqual(['', '1', '+line 0']);
    expect(await cells(row('src/edit.txt', 'line 20'))).toEqual(['20', '', '-line 20']);
    expect(await cells(row('src/edit.txt', 'line twenty'))).toEqual(['', '21', '+line twenty']);
    expect(await cells(row('src/edit.txt', 'line 19'))).toEqual(['19', '20', ' line 19']);
    expect(await background(row('src/edit.txt', 'line 0'))).toBe(ADDED_BG);
    expect(await background(row('src/edit.txt', 'line 20'))).toBe(REMOVED_BG);
    expect(await background(row('src/edit.txt', 'line 19'))).not.toBe(ADDED_BG);
    expect(await file('src/edit.txt').locator('tr.diff-hunk').first().textContent()).toMatch(/^@@ -1,\d+ \+1,\d+ @@/);
    // A quoted path in the diff (git quotes non-ASCII names) still finds its file.
    expect(await cells(row('café.md', 'Menu'))).toEqual(['', '1', '+# Menu']);
    if ((await toggle('gone.txt').getAttribute('aria-expanded')) === 'false') await toggle('gone.txt').click();
    expect(await cells(row('gone.txt', 'soon removed'))).toEqual(['1', '', '-soon removed']);
    if ((await toggle('logo.bin').getAttribute('aria-expanded')) === 'false') await toggle('logo.bin').click();
    expect(await file('logo.bin').textContent()).toContain('Binary file: its content is not shown.');

    await toggle('src/edit.txt').click();
    expect(await toggle('src/edit.txt').getAttribute('aria-expanded')).toBe('false');
    expect(await file('src/edit.txt').locator('table').count()).toBe(0);
    await toggle('src/edit.txt').click();
    await row('src/edit.txt', 'line 41').waitFor();
    await page.getByRole('button', { name: 'Collapse all' }).click();
    expect(await page.locator('.diff-table').count()).toBe(0);
  });

  it('downloads the raw diff with the token, as git wrote it', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download .diff' }).click()]);
    expect(download.suggestedFilename()).toBe(`job-${reviewJob}.diff`);
    expect(readFileSync(await download.path(), 'utf8')).toBe(kinds.diff);
  });

  it('publishes a finished job afterwards: a pull request, then a push the node reports as refused', async () => {
    await page.getByRole('button', { name: 'Open pull request' }).click();
    const request = await node.publishRequest();
    expect(request).toMatchObject({ jobId: reviewJob, mode: 'pr', branch: `csc/job-${reviewJob}`, repo: 'acme/app' });
    // The request can reach the node before the browser has drawn the pending state: wait for it.
    await expect.poll(() => page.getByRole('button', { name: 'Open pull request' }).isDisabled()).toBe(true);
    node.answer(request, openedPullRequest(request, 12));
    await expect.poll(() => page.getByTestId('pr-link').textContent()).toBe('#12');
    expect(await page.getByTestId('pr-link').getAttribute('href')).toBe('https://github.com/acme/app/pull/12');
    await page.getByRole('button', { name: 'Expand all' }).click();
    // The README's picture of the change view (docs/dashboard-diff.png is a copy).
    await page.locator('.job-detail').screenshot({ path: join(SCREENSHOT_DIR, 'diff.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    await browser.screenshot('diff-phone');
    await page.setViewportSize({ width: 1280, height: 860 });

    await page.getByRole('button', { name: 'Push branch' }).click();
    const push = await node.publishRequest();
    node.answer(push, { mode: 'branch', branch: push.branch, error: 'the remote refused the push: protected branch' });
    await expect.poll(() => page.getByTestId('publication').textContent()).toContain('Publishing failed: the remote refused the push: protected branch');
  });

  it('says when the diff was cut, and which files it no longer reaches', async () => {
    const cut = kinds.diff.slice(0, kinds.diff.indexOf('diff --git a/query.sql'));
    const spec = await finishedJob('A change past the cap', cut, (id) => summaryOf(kinds, id, { truncated: true }));
    await openJob(spec.id);
    expect(await page.getByTestId('diff-truncated').textContent()).toContain('Truncated');
    await page.getByRole('button', { name: 'Expand all' }).click();
    for (const path of ['query.sql', 'src/edit.txt']) expect(await file(path).textContent()).toContain('Not in the stored diff');
    expect(await file('new name.txt').locator('tr.diff-line').count()).toBeGreaterThan(0);
  });

  it('opens a 5,000-line diff at once and stays responsive, showing every line on request', async () => {
    const large = largeChange();
    const spec = await finishedJob('Generate a big file', large.diff, (id) => summaryOf(large, id));
    await page.addInitScript(LONGEST_TASK);
    const started = Date.now();
    await openJob(spec.id);
    await row('big.txt', 'generated line 1').first().waitFor();
    const opened = Date.now() - started;
    expect(await file('big.txt').locator('tr.diff-line').count()).toBe(400);
    expect(await file('small-30.txt').getByRole('button').first().getAttribute('aria-expanded')).toBe('false');

    const clickAt = Date.now();
    await toggle('small-30.txt').click();
    await row('small-30.txt', 'small 30.9').waitFor();
    const clicked = Date.now() - clickAt;

    // "Show all" draws the rest a few hundred lines a frame: a click meanwhile is answered at once.
    const allAt = Date.now();
    await file('big.txt').getByRole('button', { name: /Show all lines/ }).click();
    const duringAt = Date.now();
    // Dispatched, not clicked: Playwright would wait for the button to stop moving as lines are added above it.
    await toggle('small-30.txt').dispatchEvent('click');
    await file('small-30.txt').locator('table').waitFor({ state: 'detached' });
    const during = Date.now() - duringAt;
    await row('big.txt', 'generated line 5000').waitFor();
    const all = Date.now() - allAt;
    expect(await file('big.txt').locator('tr.diff-line').count()).toBe(5000);
    const collapseAt = Date.now();
    await toggle('big.txt').click();
    await file('big.txt').locator('table').waitFor({ state: 'detached' });
    const collapsed = Date.now() - collapseAt;
    const longest = await page.evaluate(() => (globalThis as unknown as PageGlobals).longestTaskMs);
    console.log(
      `5,000-line diff: opened in ${opened} ms; a click answered in ${clicked} ms, ${during} ms while "show all" drew; ` +
        `all 5,000 lines in ${all} ms; collapsed in ${collapsed} ms; longest task ${Math.round(longest)} ms`,
    );
    await browser.screenshot('diff-large');
    // Bounds with room for a busy machine; the figures above are what to watch.
    for (const ms of [clicked, during, collapsed, longest]) expect(ms).toBeLessThan(1000);
  });

  it('logged no console errors or warnings', () => {
    expect(browser.problems).toEqual([]);
  });
});
