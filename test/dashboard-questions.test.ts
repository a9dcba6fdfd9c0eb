import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobProfile, JobQuestion } from '../src/protocol/index.js';
import { browserAvailable, type TestBrowser } from '../src/test-support/browser.js';
import type { ChangeNode } from '../src/test-support/change-node.js';
import type { TestMaster } from '../src/test-support/test-master.js';
import { openAskerDashboard, RawJob, type AskerDashboard } from './raw-job.js';

/**
 * Codex's questions on the job view, in real Chromium against a real master. The node is a raw
 * WebSocket client speaking the node protocol: it sends `question` events as a node does when
 * Codex asks, and takes the `job_answer` frames the master sends it for the answers given here.
 */

const ALL_DECISIONS: JobQuestion['decisions'] = ['accept', 'acceptForSession', 'decline', 'cancel'];

describe.skipIf(!browserAvailable())('Codex’s questions in the dashboard, in a real browser', () => {
  let world: AskerDashboard | undefined;
  let master: TestMaster;
  let browser: TestBrowser;
  let page: Page;
  let node: ChangeNode;

  const question = (qid: string, status = 'pending'): Locator => page.locator(`[data-question="${qid}"][data-status="${status}"]`);
  const button = (qid: string, name: string): Locator => question(qid).getByRole('button', { name, exact: true });
  const listed = (job: RawJob): Locator => page.getByTestId('job-list').locator(`[data-job="${job.id}"]`);

  /** A job on the raw node, started, with its page open (before Codex asks: the question arrives live). */
  async function openJob(prompt: string, profile: JobProfile = {}): Promise<RawJob> {
    const created = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt, node: 'asker', profile: { approvalPolicy: 'on-request', ...profile } }) });
    expect(created.status).toBe(201);
    const job = new RawJob(node, await node.assigned());
    await job.emit({ kind: 'started', executor: 'raw' });
    await page.goto(`${master.httpUrl}/jobs/${job.id}`);
    await page.getByRole('heading', { name: `Job #${job.id}` }).waitFor();
    await expect.poll(() => page.getByTestId('job-status').textContent()).toContain('running');
    return job;
  }

  beforeAll(async () => {
    world = await openAskerDashboard();
    ({ master, node, browser, page } = world);
  }, 30_000);

  afterAll(() => world?.close());

  it('shows a command approval live, in the list too and again after a reload; approving it reaches the node', async () => {
    const job = await openJob('Deploy the app');
    const qid = job.qid();
    await job.emit({
      kind: 'question',
      question: { id: qid, kind: 'command', method: 'item/commandExecution/requestApproval', command: 'npm run deploy -- --prod', cwd: '/srv/app', reason: 'deploying needs the network', decisions: ALL_DECISIONS },
    });
    await question(qid).waitFor();
    expect(await question(qid).getByRole('heading').textContent()).toContain('Codex asks to run a command');
    expect(await question(qid).getByTestId('question-command').textContent()).toBe('$ npm run deploy -- --prod');
    const what = await question(qid).getByTestId('question-what').textContent();
    for (const part of ['/srv/app', 'deploying needs the network']) expect(what).toContain(part);
    expect(await question(qid).getByRole('group').getByRole('button').allTextContents()).toEqual(['Approve once', 'Approve for this job', 'Deny', 'Deny and stop']);
    expect(await question(qid).getByTestId('question-deadline').textContent()).toMatch(/Declined automatically at .+ \(in (9|10) min\)/);
    expect(await page.getByTestId('questions-status').textContent()).toBe('Codex waits for your answer.');
    await expect.poll(() => listed(job).getByTestId('job-waiting').textContent()).toContain('Waiting for an answer');
    await page.setViewportSize({ width: 390, height: 844 });
    await browser.screenshot('question-phone');
    await page.setViewportSize({ width: 1280, height: 860 });

    await page.reload();
    await question(qid).waitFor();
    await button(qid, 'Approve once').click();
    const frame = await job.answer();
    expect(frame).toMatchObject({ jobId: job.id, questionId: qid, answer: { decision: 'accept' }, by: { via: 'dashboard', name: 'admin' } });
    await question(qid, 'answered').waitFor();
    expect(await question(qid, 'answered').getByTestId('question-outcome').textContent()).toMatch(/^Approved once by admin via the dashboard, \d\d:\d\d:\d\d( [AP]M)?$/);

    await job.recordAndFinish(frame);
    await expect.poll(() => page.getByTestId('job-status').textContent()).toContain('succeeded');
    const log = await page.getByTestId('job-log').textContent();
    expect(log).toContain(`Codex asks to run npm run deploy -- --prod (question ${qid})`);
    expect(log).toContain(`Question ${qid}: accepted by admin via the dashboard`);
    await expect.poll(() => listed(job).getByTestId('job-waiting').count()).toBe(0);
    expect(await page.getByTestId('questions-status').textContent()).toBe('No question waits for an answer.');
    await browser.screenshot('question-decided');
  });

  it('shows a file change with its patch, and denies it', async () => {
    const job = await openJob('Edit the app');
    const qid = job.qid();
    const changes = [
      { path: 'src/app.ts', kind: 'update' as const, diff: '@@ -1,3 +1,3 @@\n const a = 1;\n-const b = 2;\n+const b = 3;\n', added: 1, removed: 1 },
      { path: 'NOTES.md', kind: 'add' as const, diff: '# Notes\nremember\n', added: 2, removed: 0 },
    ];
    await job.emit({ kind: 'question', question: { id: qid, kind: 'file_change', method: 'item/fileChange/requestApproval', changes, grantRoot: '/srv/app', reason: 'write the fix', decisions: ALL_DECISIONS } });
    await question(qid).waitFor();
    expect(await question(qid).getByRole('heading').textContent()).toContain('Codex asks to change 2 files');
    const patch = question(qid).locator('[data-question-file="src/app.ts"]');
    expect(await patch.locator('summary').textContent()).toContain('+1 −1');
    expect(await patch.locator('.patch-line').allTextContents()).toEqual(['@@ -1,3 +1,3 @@', ' const a = 1;', '-const b = 2;', '+const b = 3;']);
    expect(await patch.locator('.patch-line.diff-del').textContent()).toBe('-const b = 2;');
    expect(await patch.locator('.patch-line.diff-add').textContent()).toBe('+const b = 3;');
    expect(await question(qid).locator('[data-question-file="NOTES.md"] .patch-line.diff-add').allTextContents()).toEqual(['+# Notes', '+remember']);
    expect(await question(qid).getByTestId('question-what').textContent()).toContain('And write access to: /srv/app');
    await browser.screenshot('question-file-change');

    await button(qid, 'Deny').click();
    const frame = await job.answer();
    expect(frame).toMatchObject({ questionId: qid, answer: { decision: 'decline' }, by: { via: 'dashboard' } });
    await expect.poll(() => question(qid, 'answered').getByTestId('question-outcome').textContent()).toMatch(/^Denied by admin via the dashboard/);
    await job.recordAndFinish(frame);
  });

  it('answers user-input questions: a picked option and typed text, by question id', async () => {
    const job = await openJob('Ask me things');
    const qid = job.qid();
    const questions = [
      { id: 'target', header: 'Environment', question: 'Where should it deploy?', isOther: false, isSecret: false, options: [{ label: 'staging', description: 'the test cluster' }, { label: 'production', description: '' }] },
      { id: 'when', header: 'Timing', question: 'When?', isOther: true, isSecret: false, options: [] },
    ];
    await job.emit({ kind: 'question', question: { id: qid, kind: 'user_input', method: 'item/tool/requestUserInput', questions, decisions: ['accept', 'decline'] } });
    await question(qid).waitFor();
    expect(await question(qid).getByRole('heading').textContent()).toContain('Codex asks you 2 questions');
    await button(qid, 'Send answer').click();
    expect(await question(qid).getByRole('alert').textContent()).toBe('Answer first, or decline to answer.');

    const target = question(qid).getByRole('group', { name: 'Environment' });
    expect(await target.textContent()).toContain('Where should it deploy?');
    await target.getByLabel('production').check();
    await question(qid).getByRole('group', { name: 'Timing' }).getByLabel('Your answer').fill('after 6 pm');
    await button(qid, 'Send answer').click();
    const frame = await job.answer();
    expect(frame.answer).toEqual({ decision: 'accept', answers: { target: ['production'], when: ['after 6 pm'] } });
    await expect.poll(() => question(qid, 'answered').textContent()).toContain('Environment: production · Timing: after 6 pm');
    await job.recordAndFinish(frame);
  });

  it('accepts an MCP elicitation with JSON content, refusing text that is not JSON', async () => {
    const job = await openJob('File a ticket');
    const qid = job.qid();
    const requestedSchema = { type: 'object', properties: { ticket: { type: 'string' }, urgent: { type: 'boolean' } } };
    await job.emit({ kind: 'question', question: { id: qid, kind: 'elicitation', method: 'mcpServer/elicitation/request', serverName: 'tracker', mode: 'form', message: 'Which ticket?', requestedSchema, decisions: ['accept', 'decline', 'cancel'] } });
    await question(qid).waitFor();
    expect(await question(qid).getByRole('heading').textContent()).toContain('tracker (MCP server) asks for input');
    expect(await question(qid).getByTestId('question-what').textContent()).toContain('Which ticket?');
    const content = question(qid).getByLabel('Content (JSON)');
    expect(JSON.parse(await content.inputValue())).toEqual({ ticket: '', urgent: false });
    await content.fill('{"ticket": OPS-7}');
    await button(qid, 'Accept').click();
    expect(await question(qid).getByRole('alert').textContent()).toMatch(/^The content is not JSON/);
    await content.fill('{"ticket": "OPS-7", "urgent": true}');
    await button(qid, 'Accept').click();
    const frame = await job.answer();
    expect(frame.answer).toEqual({ decision: 'accept', content: { ticket: 'OPS-7', urgent: true } });
    await job.recordAndFinish(frame);
  });

  it('returns a tool call’s output', async () => {
    const job = await openJob('Look something up');
    const qid = job.qid();
    await job.emit({ kind: 'question', question: { id: qid, kind: 'tool_call', method: 'item/tool/call', tool: 'lookup', namespace: 'crm', arguments: { customer: 42 }, decisions: ['accept', 'decline'] } });
    await question(qid).waitFor();
    expect(await question(qid).getByTestId('question-what').textContent()).toContain('crm.lookup');
    expect(await question(qid).getByTestId('question-what').textContent()).toContain('"customer": 42');
    await question(qid).getByLabel('Tool output').fill('Ada Lovelace, premium');
    await button(qid, 'Return output').click();
    const frame = await job.answer();
    expect(frame.answer).toEqual({ decision: 'accept', text: 'Ada Lovelace, premium' });
    await job.recordAndFinish(frame);
  });

  it('says who decided when another answer came first', async () => {
    const job = await openJob('Race me');
    const qid = job.qid();
    await job.emit({ kind: 'question', question: { id: qid, kind: 'command', method: 'item/commandExecution/requestApproval', command: 'make release', decisions: ALL_DECISIONS } });
    await question(qid).waitFor();
    // Someone answers from the CLI just before the dashboard's answer reaches the master.
    await page.route('**/api/jobs/*/questions/*', async (route) => {
      const first = await master.api(`/api/jobs/${job.id}/questions/${qid}`, { method: 'POST', body: JSON.stringify({ decision: 'decline', via: 'cli' }) });
      expect(first.status).toBe(200);
      await route.continue();
    });
    await button(qid, 'Approve once').click();
    await question(qid, 'answered').getByTestId('question-late').waitFor();
    await page.unrouteAll();
    expect(await question(qid, 'answered').getByTestId('question-late').textContent()).toMatch(/^Your answer was not used: already decided/i);
    expect(await question(qid, 'answered').getByTestId('question-outcome').textContent()).toMatch(/^Denied by admin via the CLI/);
    const frame = await job.answer();
    expect(frame.answer.decision).toBe('decline');
    await job.recordAndFinish(frame);
    // The refused answer is the only console error here; it is expected.
    expect(browser.problems.splice(0).every((p) => p.includes('409'))).toBe(true);
  });

  it('declines a question nobody answers in time, live, and tells the node', async () => {
    const job = await openJob('Nobody is there', { approvalTimeoutSec: 1 });
    const qid = job.qid();
    await job.emit({ kind: 'question', question: { id: qid, kind: 'command', method: 'item/commandExecution/requestApproval', command: 'sleep 1', decisions: ALL_DECISIONS } });
    const frame = await job.answer(10_000);
    expect(frame).toMatchObject({ answer: { decision: 'decline' }, by: { via: 'timeout' } });
    await expect.poll(() => question(qid, 'answered').getByTestId('question-outcome').textContent(), { timeout: 10_000 }).toMatch(/^Denied automatically: nobody answered in time/);
    await job.recordAndFinish(frame);
  });

  it('shows a question still pending when its job ends as no longer asked', async () => {
    const job = await openJob('Give up');
    const qid = job.qid();
    await job.emit({ kind: 'question', question: { id: qid, kind: 'permissions', method: 'item/permissions/requestApproval', permissions: { network: true }, decisions: ['accept', 'acceptForSession', 'decline'] } });
    await question(qid).waitFor();
    expect(await question(qid).getByRole('group').getByRole('button').allTextContents()).toEqual(['Grant once', 'Grant for this job', 'Deny']);
    await job.emit({ kind: 'finished', result: { status: 'failed', error: 'the turn ended', filesChanged: [], commands: [], durationMs: 5 } });
    await expect.poll(() => question(qid, 'moot').getByTestId('question-outcome').textContent()).toBe('No longer asked: the attempt that asked has ended');
    // The list hears of the end from the event stream, which can come after the job view's own refetch.
    await expect.poll(() => listed(job).getByTestId('job-waiting').count()).toBe(0);
  });

  it('logged no console errors or warnings', () => {
    expect(browser.problems).toEqual([]);
  });
});
