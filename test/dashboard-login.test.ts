import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBanner } from '../src/master/banner.js';
import type { NodeWorker } from '../src/node/index.js';
import { browserAvailable, startBrowser, type TestBrowser } from '../src/test-support/browser.js';
import { removeTempDirs } from '../src/test-support/temp-dir.js';
import { TestClient } from '../src/test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { startTestNode } from '../src/test-support/test-node.js';
import { waitFor } from '../src/test-support/wait.js';

/**
 * Issue 12 in real Chromium against a real master: the login link the master prints signs in and
 * leaves the address bar, the event streams authenticate by cookie (no token in any URL), per-machine
 * credentials are made and revoked from the dashboard, and an admin closes chat access there.
 */

const DASHBOARD_DIR = resolve('frontend/dist');

describe.skipIf(!browserAvailable())('dashboard sign-in, credentials and chat access in a real browser', () => {
  let master: TestMaster;
  let browser: TestBrowser;
  let page: Page;
  let worker: NodeWorker | undefined;
  let adminToken: string;
  /** Every request the page made, and the status of each `/api` answer. */
  const requests: string[] = [];
  const answers: { url: string; status: number }[] = [];

  const nav = (name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name, exact: true }).click();
  const nodeStatus = (name: string) => page.locator(`[data-node="${name}"] [data-testid="node-status"]`);
  const sessionCookie = async () => (await browser.context.cookies(`${master.httpUrl}/api/events`)).find((c) => c.name === 'csc_session');
  /** The login link exactly as the master prints it on a terminal. */
  const loginLink = (): string => {
    const link = /Dashboard:\s+(\S+)/.exec(formatBanner(master, master.config.dataDir, true))?.[1];
    if (link === undefined) throw new Error('the banner printed no dashboard link');
    return link;
  };

  beforeAll(async () => {
    if (!existsSync(`${DASHBOARD_DIR}/index.html`)) throw new Error(`no built dashboard in ${DASHBOARD_DIR}: run npm run build first`);
    master = await startTestMaster({}, { dashboardDir: DASHBOARD_DIR });
    adminToken = master.adminToken.value;
    browser = await startBrowser();
    page = browser.page;
    page.on('request', (request) => requests.push(request.url()));
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/api/')) answers.push({ url: response.url(), status: response.status() });
    });
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.agent.stop();
    await master?.close();
    removeTempDirs();
  });

  it('signs in from the printed login link, takes the token out of the address, and streams by cookie', async () => {
    const link = loginLink();
    expect(link).toBe(`${master.httpUrl}/#token=${adminToken}`);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Connected nodes' }).waitFor();
    // Evaluated as text: the root project compiles without the DOM library.
    expect(await page.evaluate<string>('window.location.href')).toBe(`${master.httpUrl}/`);
    await expect.poll(() => page.getByTestId('live-state').textContent()).toBe('Live');
    expect(await sessionCookie()).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });

    // Live without a reload: the node's arrival comes down the cookie-authenticated stream.
    worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'live-node' });
    await expect.poll(() => nodeStatus('live-node').textContent()).toBe('online');
    await browser.screenshot('login-link');

    const api = requests.filter((url) => new URL(url).pathname.startsWith('/api/'));
    expect(api.some((url) => new URL(url).pathname === '/api/events')).toBe(true);
    for (const url of api) expect(url).not.toContain(adminToken);
    expect(answers.filter((a) => new URL(a.url).pathname === '/api/events').map((a) => a.status)).toEqual([200]);
    expect(await page.content()).not.toContain(adminToken);
  });

  it('opens a new session on a reload, and ends it on sign-out', async () => {
    const sessions = () => answers.filter((a) => new URL(a.url).pathname === '/api/session');
    const before = sessions().length;
    await page.reload();
    await expect.poll(() => page.getByTestId('live-state').textContent()).toBe('Live');
    expect(sessions().slice(before).map((a) => a.status)).toEqual([200]);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out.').waitFor();
    await waitFor(async () => (await sessionCookie()) === undefined, 'the session cookie to be cleared');
    expect(sessions().at(-1)?.status).toBe(204);
    expect(await page.evaluate<number>('window.sessionStorage.length')).toBe(0);
  });

  it('takes the token out of older ?token= links too, and signs in when the link is opened in a tab already open, keeping the rest of the address', async () => {
    await page.goto(`${master.httpUrl}/jobs?view=mine&token=${adminToken}#recent`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.evaluate<string>('window.location.href')).toBe(`${master.httpUrl}/jobs?view=mine#recent`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out.').waitFor();

    // Only the fragment changes: no page load, the dashboard hears of it and signs in.
    await page.evaluate('window.samePage = true');
    await page.goto(`${master.httpUrl}/jobs?view=mine#token=${adminToken}&tab=recent`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await page.evaluate<boolean>('window.samePage')).toBe(true);
    expect(await page.evaluate<string>('window.location.href')).toBe(`${master.httpUrl}/jobs?view=mine#tab=recent`);
  });

  it('creates a node credential, shows its token once, and revoking it cuts the node off', async () => {
    await page.goto(loginLink());
    await nav('Credentials');
    await page.getByText('No per-machine credential yet.').waitFor();
    await page.getByLabel('Role').selectOption('node');
    await page.getByLabel('Name').fill('laptop');
    await page.getByRole('button', { name: 'Create credential' }).click();
    const token = await page.getByTestId('new-token-value').inputValue();
    expect(token).toMatch(/^csc_node_[A-Za-z0-9_-]{43}$/);
    expect(await page.getByLabel('Run on the machine that runs jobs').inputValue()).toBe(`npx csc node --master ws://127.0.0.1:8765 --name laptop --token ${token}`);
    const row = page.locator('[data-credential="laptop"]');
    expect(await row.textContent()).toContain('never');
    await browser.screenshot('credentials-new-token');

    await page.getByLabel('Name').fill('laptop');
    await page.getByRole('button', { name: 'Create credential' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('A credential named “laptop” already exists');
    // Chromium logs the refused request as an error: that one is expected, and only that one.
    const refused = browser.problems.findIndex((p) => p.includes('status of 409'));
    expect(refused).toBeGreaterThanOrEqual(0);
    browser.problems.splice(refused, 1);

    const node = await TestClient.node(master.wsUrl, token, { name: 'laptop' });
    await page.getByRole('button', { name: 'I have saved it' }).click();
    await page.reload();
    await expect.poll(() => row.getByRole('cell').nth(2).textContent()).not.toBe('never');
    expect(await page.content()).not.toContain(token);
    await browser.screenshot('credentials');

    await page.getByRole('button', { name: 'Revoke laptop' }).click();
    await page.getByRole('button', { name: 'Yes, revoke laptop' }).click();
    await row.waitFor({ state: 'detached' });
    await waitFor(() => node.closed, 'the revoked node to be disconnected', 1000);
    expect(node.closed?.code).toBe(4001);
    await expect(TestClient.connect(master.wsUrl, token)).rejects.toThrow('HTTP 401');
  });

  it("closes Telegram access with an empty allow-list, then goes back to the environment's", async () => {
    await nav('Bridge settings');
    const telegram = page.getByRole('group', { name: 'Telegram' });
    const state = telegram.getByTestId('allow-state');
    const saved = async () => ((await (await master.api('/api/config')).json()) as { telegram: { allowedChats: string[] | null } }).telegram.allowedChats;
    expect(await state.textContent()).toBe('from the environment');

    await telegram.getByRole('button', { name: 'Set the allowed chats here' }).click();
    expect(await state.textContent()).toBe('set here: nobody');
    expect(await telegram.getByRole('status').textContent()).toContain('no chat can use the bot');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await waitFor(async () => Array.isArray(await saved()), 'the empty list to be saved');
    expect(await saved()).toEqual([]);
    await page.reload();
    await expect.poll(() => state.textContent()).toBe('set here: nobody');
    await browser.screenshot('settings-allow-lists');

    await telegram.getByRole('button', { name: "Use the environment's allowed chats" }).click();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await waitFor(async () => (await saved()) === null, "the environment's list to be back");
    await expect.poll(() => state.textContent()).toBe('from the environment');
  });

  it('logged no console errors or warnings', () => {
    expect(browser.problems).toEqual([]);
  });

  // After the console check: the refused streams below are logged, as they should be.
  it('renews a lost session cookie when a stream is refused, and signs out once the master refuses the token', async () => {
    await nav('Nodes');
    await expect.poll(() => page.getByTestId('live-state').textContent()).toBe('Live');
    const restart = async (adminToken?: string) => {
      const same = { port: master.ws.port, httpPort: master.http.port, dataDir: master.config.dataDir, ...(adminToken === undefined ? {} : { adminToken }) };
      await master.close();
      master = await startTestMaster(same, { dashboardDir: DASHBOARD_DIR });
    };
    const renewals = () => answers.filter((a) => new URL(a.url).pathname === '/api/session').length;

    // As if the cookie had expired: the stream's reconnect is refused until the session is renewed.
    await browser.context.clearCookies();
    const before = renewals();
    await restart();
    await expect.poll(() => page.getByTestId('live-state').textContent(), { timeout: 20_000 }).toBe('Live');
    expect(renewals()).toBeGreaterThan(before);
    expect(await sessionCookie()).toBeDefined();

    // A master with another admin token refuses the stored one: the dashboard signs out and says why.
    await restart('another-admin-token-for-this-test');
    await page.getByText('The master no longer accepts the stored token. Sign in again.').waitFor({ timeout: 20_000 });
    expect(await page.evaluate<number>('window.sessionStorage.length')).toBe(0);
  });
});
