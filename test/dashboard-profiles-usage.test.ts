import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeWorker } from '../src/node/index.js';
import type { Budgets, NamedProfile } from '../src/protocol/index.js';
import { browserAvailable, startBrowser, type TestBrowser } from '../src/test-support/browser.js';
import { ScriptedExecutor } from '../src/test-support/scripted-executor.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { TestClient } from '../src/test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { startTestNode } from '../src/test-support/test-node.js';

/**
 * Profiles, the job form's profile and mode, the pipeline's links, usage and budgets, in real
 * Chromium against a real master (with a profiles file) and a real node whose jobs report tokens.
 */

const DASHBOARD_DIR = resolve('frontend/dist');
const tokens = { input: 1000, output: 234, total: 1234 };
const PROFILES_FILE = `[profiles.fast]\ndescription = "From the file"\nmodel = "gpt-fast"\nreasoning_effort = "low"\n`;

describe.skipIf(!browserAvailable())('dashboard profiles and usage in a real browser', () => {
  let master: TestMaster;
  let browser: TestBrowser;
  let page: Page;
  let worker: NodeWorker;
  let bridge: TestClient;

  const nav = (name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click();
  const row = (name: string) => page.locator(`[data-profile="${name}"]`);
  const getJson = async <T>(path: string): Promise<T> => (await (await master.api(path)).json()) as T;
  const jobId = () => Number(new URL(page.url()).pathname.split('/').at(-1));

  beforeAll(async () => {
    if (!existsSync(`${DASHBOARD_DIR}/index.html`)) throw new Error(`no built dashboard in ${DASHBOARD_DIR}: run npm run build first`);
    const profilesFile = join(tempDir('csc-profiles-'), 'profiles.toml');
    writeFileSync(profilesFile, PROFILES_FILE);
    master = await startTestMaster({ profilesFile }, { dashboardDir: DASHBOARD_DIR });
    const executor = new ScriptedExecutor((job) => ({ steps: [{ afterMs: 20, event: { kind: 'agent_message', text: `did: ${job.prompt.slice(0, 20)}` } }], result: { finalMessage: 'LGTM', filesChanged: [], commands: [], tokens } }));
    worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'builder', slots: 2, executor });
    bridge = await TestClient.node(master.wsUrl, master.bridgeToken.value, { name: 'chat', role: 'bridge', nodeId: 'bridge-usage' });
    browser = await startBrowser();
    page = browser.page;
    await page.goto(`${master.httpUrl}/#token=${master.adminToken.value}`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    bridge?.close();
    await worker?.agent.stop();
    await master?.close();
    removeTempDirs();
  });

  it('lists the file profile read-only, and creates, edits and deletes one', async () => {
    await nav('Profiles');
    await expect.poll(() => row('fast').textContent()).toContain('read-only');
    expect(await row('fast').textContent()).toContain('gpt-fast · effort low');
    expect(await row('fast').getByRole('button').count()).toBe(0);
    expect(await page.locator('main').textContent()).toContain('MASTER_PROFILES_FILE');

    await page.getByLabel('Name', { exact: true }).fill('careful');
    await page.getByLabel('Model').fill('gpt-careful');
    await page.getByLabel('Sandbox').selectOption('read-only');
    await page.getByLabel('Tags').fill('linux, gpu');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => row('careful').textContent()).toContain('gpt-careful · read-only');
    expect(await row('careful').textContent()).toContain('tags linux, gpu');
    expect((await getJson<{ profiles: NamedProfile[] }>('/api/profiles')).profiles.find((p) => p.name === 'careful')).toMatchObject({ model: 'gpt-careful', sandbox: 'read-only', tags: ['linux', 'gpu'], source: 'api' });

    // A file profile's name cannot be taken.
    await page.getByLabel('Name', { exact: true }).fill('fast');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('comes from the profiles file');

    await page.getByRole('button', { name: 'Edit careful' }).click();
    expect(await page.getByLabel('Name', { exact: true }).isDisabled()).toBe(true);
    await page.getByLabel('Model').fill('gpt-5');
    await page.getByLabel('Tags').fill('');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => row('careful').textContent()).toContain('gpt-5 · read-only');
    expect(await row('careful').textContent()).not.toContain('linux');
    await browser.screenshot('dashboard-profiles');

    await page.getByRole('button', { name: 'Delete careful' }).click();
    await expect.poll(() => row('careful').count()).toBe(0);
    expect((await getJson<{ profiles: NamedProfile[] }>('/api/profiles')).profiles.map((p) => p.name)).toEqual(['fast']);
  });

  it('runs a job with a profile, and a multi-mode pipeline whose steps link to each other', async () => {
    await nav('Jobs');
    await page.getByLabel('Prompt').fill('quick one');
    await page.getByLabel('Profile').selectOption('fast');
    await page.getByRole('button', { name: 'Run job' }).click();
    await page.waitForURL(/\/jobs\/\d+$/);
    await expect.poll(() => page.getByTestId('job-profile').textContent()).toBe('fast');
    await expect.poll(() => page.getByTestId('job-status').textContent()).toBe('Status succeeded');
    expect(await getJson<{ profileName?: string; profile: { model?: string } }>(`/api/jobs/${jobId()}`)).toMatchObject({ profileName: 'fast', profile: { model: 'gpt-fast' } });

    await page.getByLabel('Prompt').fill('fix the tests');
    await page.getByLabel('Profile').selectOption('');
    await page.getByLabel('Mode', { exact: true }).selectOption('multi');
    const before = jobId();
    await page.getByRole('button', { name: 'Run job' }).click();
    await expect.poll(jobId).toBeGreaterThan(before);
    const first = jobId();
    await expect.poll(() => page.getByTestId('job-pipeline-step').textContent()).toBe('step 1 of 3: planner');
    const steps = page.getByTestId('job-pipeline').getByRole('link');
    await expect.poll(() => steps.allTextContents(), { timeout: 15_000 }).toEqual([`1. planner (#${first})`, expect.stringMatching(/^2\. coder \(#\d+\)$/), expect.stringMatching(/^3\. reviewer \(#\d+\)$/)]);
    await steps.nth(2).click();
    await expect.poll(() => page.getByTestId('job-pipeline-step').textContent()).toBe('step 3 of 3: reviewer');
    expect(jobId()).toBeGreaterThan(first);
    await expect.poll(() => page.getByTestId('job-status').textContent()).toBe('Status succeeded');
    await browser.screenshot('dashboard-pipeline');
  });

  it('shows the real usage: totals, a bar for today, by user, chat and node', async () => {
    bridge.sendJson({ type: 'job_submit', requestId: 'chat-1', prompt: 'from the chat', origin: { kind: 'telegram', chatId: 7, userId: 42, messageId: 1 } });
    await bridge.next((m) => m.json?.type === 'job_update' && (m.json.job as { status?: string } | undefined)?.status === 'succeeded', 10_000);
    // Five jobs: one with the profile, three pipeline steps, one from the chat.
    await nav('Usage');
    const totals = page.getByTestId('usage-totals');
    await expect.poll(() => totals.textContent()).toContain(`Jobs5`);
    expect(await totals.textContent()).toContain(`Tokens${(5 * tokens.total).toLocaleString('en-US')}`);
    const today = new Date().toISOString().slice(0, 10);
    expect(await page.locator(`[data-testid="usage-chart"] [data-day="${today}"]`).getAttribute('data-tokens')).toBe(String(5 * tokens.total));
    expect(await page.locator('[data-testid="usage-chart"] rect').count()).toBe(7);
    expect(await page.locator('[data-testid="usage-users"] [data-key="admin"]').textContent()).toContain('4');
    expect(await page.locator('[data-testid="usage-users"] [data-key="telegram:42"]').textContent()).toContain('1,234');
    expect(await page.locator('[data-testid="usage-chats"] [data-key="telegram:7"]').count()).toBe(1);
    expect(await page.locator('[data-testid="usage-nodes"] [data-key="builder"]').textContent()).toContain((5 * tokens.total).toLocaleString('en-US'));
    await page.getByLabel('Period').selectOption('30');
    await expect.poll(() => page.locator('[data-testid="usage-chart"] rect').count()).toBe(30);
    await browser.screenshot('dashboard-usage');
  });

  it('edits the daily budgets', async () => {
    await page.getByLabel('Per user').fill('abc');
    await page.getByRole('button', { name: 'Save budgets' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('whole number');
    await page.getByLabel('Per user').fill('50,000');
    await page.getByLabel('Whole master').fill('1000000');
    await page.getByRole('button', { name: 'Save budgets' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Budgets saved.' }).count()).toBe(1);
    expect(await getJson<Budgets>('/api/budgets')).toMatchObject({ userDaily: 50_000, chatDaily: null, masterDaily: 1_000_000 });
    await page.getByLabel('Per user').fill('');
    await page.getByRole('button', { name: 'Save budgets' }).click();
    await expect.poll(async () => (await getJson<Budgets>('/api/budgets')).userDaily ?? null).toBe(null);
    expect(browser.problems).toEqual([]);
  });
});
