import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { NodeWorker } from '../src/node/index.js';
import type { JobResult, JobSpec } from '../src/protocol/index.js';
import { browserAvailable, startBrowser, type TestBrowser } from '../src/test-support/browser.js';
import { ScriptedExecutor, type ScriptStep } from '../src/test-support/scripted-executor.js';
import { removeTempDirs } from '../src/test-support/temp-dir.js';
import { TestClient } from '../src/test-support/test-client.js';
import { describeOnEngines } from '../src/test-support/test-database.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { startTestNode } from '../src/test-support/test-node.js';
import { waitFor } from '../src/test-support/wait.js';

/**
 * The dashboard in real Chromium against a real master and real nodes: each step is what a person
 * does, in order, on one page (as one would keep it open all day).
 */

const DASHBOARD_DIR = resolve('frontend/dist');
// A short ping interval so a node that stops answering turns unresponsive within a second.
const MASTER_CONFIG = { pingIntervalSec: 0.25, maxMissedPings: 200, remoteDefaultTags: ['remote', 'codex'] };
const SLACK_TOKEN = 'xoxb-1234-5678-SeCrEtSlAcKtOkEn';
const TELEGRAM_TOKEN = '123456789:AAbbCCddEEffGGhhIIjjKKllMMnn';

/** The log box's scrolling, typed here: the root project compiles without the DOM library. */
interface Scrollable {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
  scrollTo(options: { top: number }): void;
}

type Script = { steps: ScriptStep[]; result: Omit<JobResult, 'status' | 'durationMs'> };

/** What the node does per prompt: a short job with every kind of event, a slow one, a chatty one. */
function script(job: JobSpec): Script {
  if (job.prompt.includes('slow')) return { steps: [{ afterMs: 60_000, event: { kind: 'agent_message', text: 'too late' } }], result: { filesChanged: [], commands: [] } };
  if (job.prompt.includes('chatty')) {
    const line = (i: number, afterMs: number): ScriptStep => ({ afterMs, event: { kind: 'log', level: 'info', message: `step ${i}` } });
    return { steps: [...Array.from({ length: 40 }, (_, i) => line(i, 10)), ...Array.from({ length: 20 }, (_, i) => line(40 + i, 150))], result: { filesChanged: [], commands: [] } };
  }
  const change = { path: 'src/app.ts', kind: 'update' as const, added: 12, removed: 3 };
  return {
    steps: [
      { afterMs: 100, event: { kind: 'approval_request', action: 'command', command: 'rm -rf build', reason: 'clean the build', decision: 'decline' } },
      { afterMs: 300, event: { kind: 'command_started', command: 'npm test' } },
      { afterMs: 600, event: { kind: 'command_finished', command: 'npm test', exitCode: 0, durationMs: 580 } },
      { afterMs: 200, event: { kind: 'agent_message_delta', delta: 'All tests ' } },
      { afterMs: 200, event: { kind: 'agent_message_delta', delta: 'pass.' } },
      { afterMs: 100, event: { kind: 'agent_message', text: 'All tests pass.' } },
      { afterMs: 100, event: { kind: 'file_change', changes: [change] } },
      { afterMs: 100, event: { kind: 'token_usage', input: 1000, output: 234, total: 1234 } },
    ],
    result: { finalMessage: 'Done: the tests pass.', filesChanged: [change], commands: [{ command: 'npm test', exitCode: 0 }], tokens: { input: 1000, output: 234, total: 1234 } },
  };
}

// Once per store engine: every step reads and writes the store the master runs on.
describeOnEngines('dashboard in a real browser', (engine) => {
  let master: TestMaster;
  let browser: TestBrowser;
  let page: Page;
  let worker: NodeWorker;
  let mute: TestClient;
  let adminToken: string;
  let firstJob = 0;

  const nav = (name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click();
  const nodeStatus = (name: string) => page.locator(`[data-node="${name}"] [data-testid="node-status"]`);
  const jobStatus = () => page.getByTestId('job-status');
  const runJob = async (prompt: string): Promise<number> => {
    await nav('Jobs');
    await page.getByLabel('Prompt').fill(prompt);
    await page.getByLabel('Node', { exact: true }).selectOption('builder');
    await page.getByRole('button', { name: 'Run job' }).click();
    await page.waitForURL(/\/jobs\/\d+$/);
    return Number(new URL(page.url()).pathname.split('/').at(-1));
  };

  beforeAll(async () => {
    if (!existsSync(`${DASHBOARD_DIR}/index.html`)) throw new Error(`no built dashboard in ${DASHBOARD_DIR}: run npm run build first`);
    master = await startTestMaster({ ...MASTER_CONFIG, databaseUrl: await engine.databaseUrl('dashboard') }, { dashboardDir: DASHBOARD_DIR });
    adminToken = master.adminToken.value;
    browser = await startBrowser();
    page = browser.page;
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    mute?.close();
    await worker?.agent.stop();
    await master?.close();
    removeTempDirs();
  });

  it('refuses a wrong token, then signs in with the login link and removes the token from the address', async () => {
    await page.goto(`${master.httpUrl}/`);
    await page.getByLabel('Admin token').fill('not-the-admin-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused');
    await browser.screenshot('login');
    // The refused request is the only console error Chromium logs here; it is expected.
    expect(browser.problems.splice(0).every((p) => p.includes('401'))).toBe(true);

    await page.goto(`${master.httpUrl}/?token=${adminToken}`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(page.url()).toBe(`${master.httpUrl}/`);
    await expect.poll(() => page.getByTestId('live-state').textContent()).toBe('Live');
    // No node has connected yet: the master says it is degraded (why, in the tooltip).
    expect(await page.getByTestId('master-status').textContent()).toMatch(/^degraded · v.+ · up /);
    expect(await page.getByTestId('master-status').getAttribute('title')).toBe('no node online');
    expect(await page.content()).not.toContain(adminToken);
  });

  it('shows a node online as it connects, and unresponsive once it stops answering pings', async () => {
    worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'builder', tags: ['linux', 'gpu'], slots: 2, executor: new ScriptedExecutor(script) });
    await expect.poll(() => nodeStatus('builder').textContent()).toBe('online');
    mute = await TestClient.node(master.wsUrl, master.nodeToken.value, { name: 'mute', tags: ['silent'] }, { autoPong: false });
    await expect.poll(() => nodeStatus('mute').textContent()).toBe('online');
    await expect.poll(() => nodeStatus('mute').textContent()).toBe('unresponsive');
    expect(await nodeStatus('builder').textContent()).toBe('online');
    expect(await page.getByTestId('node-count').textContent()).toBe('2 connected');
    await browser.screenshot('nodes');
    await page.setViewportSize({ width: 390, height: 844 });
    await browser.screenshot('nodes-phone');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('broadcasts a message that reaches the nodes', async () => {
    await page.getByLabel('Message to every node').fill('hello from the dashboard');
    await page.getByRole('button', { name: 'Send to all' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Delivered' }).textContent()).toBe('Delivered to 2 nodes.');
    await mute.next((m) => m.text === 'hello from the dashboard');
  });

  it('saves bridge settings: the memo shows in the header, tokens only as set, never as text', async () => {
    await nav('Bridge settings');
    const slack = page.getByRole('group', { name: 'Slack' });
    const telegram = page.getByRole('group', { name: 'Telegram' });
    expect(await slack.getByTestId('secret-state').first().textContent()).toBe('not set');
    await slack.getByLabel(/^Bot token/).fill(SLACK_TOKEN);
    await slack.getByLabel('Default channel').fill('C0123456789');
    await telegram.getByLabel(/^Bot token/).fill(TELEGRAM_TOKEN);
    await telegram.getByLabel('Parse mode').selectOption('HTML');
    await page.getByLabel('Memo for this save').fill('Connected the team workspace');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => page.getByTestId('last-save').textContent()).toContain('Connected the team workspace');
    expect(await slack.getByTestId('secret-state').first().textContent()).toBe('set');
    expect(await telegram.getByTestId('secret-state').textContent()).toBe('set');
    expect(await slack.getByLabel(/^Bot token/).inputValue()).toBe('');
    await browser.screenshot('settings');

    await page.reload();
    await expect.poll(() => page.getByTestId('last-save').textContent()).toContain('Connected the team workspace');
    expect(await slack.getByLabel('Default channel').inputValue()).toBe('C0123456789');
    expect(await telegram.getByLabel('Parse mode').inputValue()).toBe('HTML');
    const html = await page.content();
    for (const secret of [SLACK_TOKEN, TELEGRAM_TOKEN, adminToken]) expect(html).not.toContain(secret);
  });

  it('adds a remote node with the default tags, changes its status and deletes it, each surviving a reload', async () => {
    await nav('Remote nodes');
    expect(await page.getByLabel('Tags').inputValue()).toBe('remote, codex');
    await page.getByLabel('Name').fill('gpu-box');
    await page.getByLabel('Host').fill('gpu-box.example:8765');
    await page.getByRole('button', { name: 'Add node' }).click();
    const row = page.locator('[data-remote-node="gpu-box"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('remote');
    await page.getByLabel('Status of gpu-box').selectOption('maintenance');
    await waitFor(async () => ((await (await master.api('/api/remote-nodes')).json()) as { remoteNodes: { status: string }[] }).remoteNodes[0]?.status === 'maintenance', 'the status change to be stored');
    await page.reload();
    await expect.poll(() => page.getByLabel('Status of gpu-box').inputValue()).toBe('maintenance');
    await browser.screenshot('remote-nodes');

    await page.getByRole('button', { name: 'Delete gpu-box' }).click();
    await row.waitFor({ state: 'detached' });
    await page.reload();
    await page.getByText('No remote node yet.').waitFor();
  });

  it('creates a job from the form, streams its log live, and shows the standard result', async () => {
    firstJob = await runJob('Run the tests and summarise');
    const log = page.getByTestId('job-log');
    await expect.poll(() => log.textContent()).toContain('$ npm test');
    // Seen while the job still runs: the log is live, not loaded at the end.
    expect(await jobStatus().textContent()).toContain('running');
    await expect.poll(() => log.textContent(), { timeout: 10_000 }).toContain('All tests pass.');
    await expect.poll(() => jobStatus().textContent()).toContain('succeeded');
    const result = page.getByTestId('job-result');
    expect(await result.getByTestId('final-message').textContent()).toBe('Done: the tests pass.');
    const text = await result.textContent();
    for (const part of ['1,234 (1,000 in, 234 out)', 'src/app.ts', '+12', '−3', 'exit 0']) expect(text).toContain(part);
    expect(await log.textContent()).toContain('exit 0');
    expect(await log.textContent()).toContain('Codex asked to run rm -rf build (clean the build): decline');
    expect(await page.getByTestId('log-state').textContent()).toBe('Complete');
    await expect.poll(() => page.getByTestId('job-list').locator(`[data-job="${firstJob}"]`).textContent()).toContain('succeeded');
    await browser.screenshot('jobs');
  });

  it('keeps the log where the reader scrolled to while new events arrive, and jumps back on request', async () => {
    await runJob('a chatty job');
    const log = page.getByTestId('job-log');
    // The list is virtualized: only the rows on screen are in the page, each saying how many there are.
    const rows = async () => Number(await log.locator('li').first().getAttribute('aria-setsize'));
    await expect.poll(rows).toBeGreaterThanOrEqual(40);
    await log.evaluate((el: Scrollable) => el.scrollTo({ top: 0 }));
    const seen = await rows();
    await expect.poll(rows).toBeGreaterThan(seen + 2);
    expect(await log.evaluate((el: Scrollable) => el.scrollTop)).toBe(0);
    await page.getByRole('button', { name: 'New events below ↓' }).click();
    await expect.poll(() => log.evaluate((el: Scrollable) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(30);
    await expect.poll(() => jobStatus().textContent(), { timeout: 10_000 }).toContain('succeeded');
  });

  it('cancels a running job', async () => {
    await runJob('a slow job');
    await expect.poll(() => jobStatus().textContent()).toContain('running');
    await page.getByRole('button', { name: 'Cancel job' }).click();
    await expect.poll(() => jobStatus().textContent()).toContain('cancelled');
    await page.getByTestId('job-result').waitFor();
  });

  it('opens a job from a deep link', async () => {
    await page.goto(`${master.httpUrl}/jobs/${firstJob}`);
    await page.getByRole('heading', { name: `Job #${firstJob}` }).waitFor();
    await expect.poll(() => page.getByTestId('final-message').textContent()).toBe('Done: the tests pass.');
    expect(await page.getByTestId('job-log').textContent()).toContain('All tests pass.');
  });

  it('logged no console errors or warnings', () => {
    expect(browser.problems).toEqual([]);
  });

  // After the console check: the refused connections of an outage are logged, as they should be.
  it('shows when the master is gone and reconnects by itself when it is back', async () => {
    await page.goto(`${master.httpUrl}/`);
    await expect.poll(() => page.getByTestId('live-state').textContent()).toBe('Live');
    const same = { ...MASTER_CONFIG, port: master.ws.port, httpPort: master.http.port, dataDir: master.config.dataDir, databaseUrl: master.config.databaseUrl };
    await master.close();
    await expect.poll(() => page.getByTestId('live-state').textContent()).toBe('Offline, reconnecting…');
    master = await startTestMaster(same, { dashboardDir: DASHBOARD_DIR });
    await expect.poll(() => page.getByTestId('live-state').textContent(), { timeout: 20_000 }).toBe('Live');
    // The node reconnects to the new master too, and the page hears of it without a reload.
    await expect.poll(() => nodeStatus('builder').textContent(), { timeout: 15_000 }).toBe('online');
    await expect.poll(() => page.getByTestId('master-status').textContent()).toMatch(/^ok · /);
  });
}, { skip: !browserAvailable() });
