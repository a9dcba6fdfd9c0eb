import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodexDriver } from '../src/codex/index.js';
import { childEnvironment } from '../src/config/index.js';
import { CodexExecutor, Workspaces, type NodeWorker } from '../src/node/index.js';
import { browserAvailable, startBrowser, type TestBrowser } from '../src/test-support/browser.js';
import { assistantMessage, escalatedCommandCall, ResponsesStandIn, writeCodexHome, type CodexHome } from '../src/test-support/responses-stand-in.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { startTestNode } from '../src/test-support/test-node.js';
import { waitFor } from '../src/test-support/wait.js';

/** The whole loop with nothing standing in but the model: real Codex asks, a person in real Chromium approves. */
describe.skipIf(!browserAvailable())('approving from the dashboard (real master, node, codex on-request and Chromium)', () => {
  let model: ResponsesStandIn;
  let home: CodexHome;
  let driver: CodexDriver;
  let master: TestMaster;
  let worker: NodeWorker;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    model = await ResponsesStandIn.start();
    home = writeCodexHome(model.baseUrl);
    driver = new CodexDriver({ baseEnv: childEnvironment(), env: home.env, configOverrides: { sandbox_mode: 'workspace-write' } });
    await driver.start();
    master = await startTestMaster({}, { dashboardDir: resolve('frontend/dist') });
    const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), env: childEnvironment() });
    worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'codex-node', executor: new CodexExecutor(driver), workspaces });
    await waitFor(() => master.hub.listNodes().length === 1, 'the node');
    browser = await startBrowser();
    page = browser.page;
    await page.goto(`${master.httpUrl}/?token=${master.adminToken.value}`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.agent.stop();
    await master?.close();
    await driver?.close();
    await model?.close();
    home?.remove();
    removeTempDirs();
  });

  it('shows what Codex asks on the job page; Approve once runs the command and its output is in the log', { timeout: 60_000 }, async () => {
    model.enqueue({ output: [escalatedCommandCall('echo approved-in-the-browser', 'needs to leave the sandbox')] }, { output: [assistantMessage('Ran it.')] });
    const created = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'run the thing', profile: { approvalPolicy: 'on-request' } }) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    await page.goto(`${master.httpUrl}/jobs/${id}`);
    const question = page.locator('[data-question="a1q1"][data-status="pending"]');
    await question.waitFor({ timeout: 30_000 });
    expect(await question.getByTestId('question-command').textContent()).toContain('echo approved-in-the-browser');
    expect(await question.getByTestId('question-what').textContent()).toContain('needs to leave the sandbox');
    await question.getByRole('button', { name: 'Approve once', exact: true }).click();

    await page.locator('[data-question="a1q1"][data-status="answered"]').waitFor();
    await expect.poll(() => page.getByTestId('job-status').textContent(), { timeout: 30_000 }).toContain('succeeded');
    const events = (await master.jobs.events(id, 0, 1000)).map((e) => e.event);
    expect(events).toContainEqual(expect.objectContaining({ kind: 'answer', questionId: 'a1q1', answer: { decision: 'accept' }, by: expect.objectContaining({ via: 'dashboard', name: 'admin' }) as unknown }));
    const ran = events.find((e) => e.kind === 'command_finished');
    expect(ran?.kind === 'command_finished' && ran.output).toContain('approved-in-the-browser');
    expect(await page.getByTestId('job-log').textContent()).toContain('approved-in-the-browser');
  });
});
