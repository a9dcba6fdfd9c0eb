import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeWorker } from '../src/node/index.js';
import type { JobRecord } from '../src/master/store/index.js';
import { browserAvailable, startBrowser, type TestBrowser } from '../src/test-support/browser.js';
import { ScriptedExecutor } from '../src/test-support/scripted-executor.js';
import { removeTempDirs } from '../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { startTestNode } from '../src/test-support/test-node.js';

/**
 * The dashboard in both of its languages, in real Chromium against a real master and node: the
 * browser's preference picks Korean, the header switches, the choice survives a reload, and every
 * page (the job page with a real job too) speaks the language chosen.
 */

const DASHBOARD_DIR = resolve('frontend/dist');

/** A Korean browser: `navigator.languages` as Chromium reports it for a Korean user. */
const KOREAN_BROWSER = `Object.defineProperty(Navigator.prototype, 'languages', { get: () => ['ko-KR', 'ko', 'en-US'] });`;

const tokens = { input: 1000, output: 234, total: 1234 };

describe.skipIf(!browserAvailable())('dashboard languages in a real browser', () => {
  let master: TestMaster;
  let browser: TestBrowser;
  let page: Page;
  let worker: NodeWorker;

  const lang = () => page.evaluate('document.documentElement.lang');
  const navLink = (name: string) => page.getByRole('navigation').getByRole('link', { name, exact: true });
  const heading = () => page.getByRole('heading', { level: 1 }).first().textContent();

  beforeAll(async () => {
    if (!existsSync(`${DASHBOARD_DIR}/index.html`)) throw new Error(`no built dashboard in ${DASHBOARD_DIR}: run npm run build first`);
    master = await startTestMaster({}, { dashboardDir: DASHBOARD_DIR });
    const executor = new ScriptedExecutor(() => ({ steps: [{ afterMs: 50, event: { kind: 'agent_message', text: '다 됐습니다' } }], result: { finalMessage: '다 됐습니다', filesChanged: [], commands: [], tokens } }));
    worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'builder', slots: 1, executor });
    browser = await startBrowser();
    page = browser.page;
    await page.addInitScript(KOREAN_BROWSER);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await worker?.agent.stop();
    await master?.close();
    removeTempDirs();
  });

  it('speaks Korean to a Korean browser, from the sign-in page on', async () => {
    await page.goto(`${master.httpUrl}/`);
    await page.getByLabel('관리자 토큰').waitFor();
    expect(await lang()).toBe('ko');
    await page.getByLabel('관리자 토큰').fill(master.adminToken.value);
    await page.getByRole('button', { name: '로그인' }).click();
    await page.getByRole('button', { name: '로그아웃' }).waitFor();
    await expect.poll(() => page.getByTestId('live-state').textContent()).toBe('실시간');
    await expect.poll(() => page.locator('[data-node="builder"] [data-testid="node-status"]').textContent()).toBe('온라인');
    expect(await heading()).toBe('연결된 노드');
    expect(await page.title()).toBe('노드 · Codex Super Client');
    await browser.screenshot('dashboard-ko-nodes');
  });

  it('switches to English in the header, keeps the choice over a reload, and back', async () => {
    await page.getByTestId('language').selectOption('en');
    await expect.poll(lang).toBe('en');
    expect(await heading()).toBe('Connected nodes');
    expect(await navLink('Jobs').count()).toBe(1);
    expect(await page.evaluate('localStorage.getItem("csc.language")')).toBe('en');
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(await lang()).toBe('en');
    await page.getByTestId('language').selectOption('ko');
    await expect.poll(lang).toBe('ko');
    expect(await page.getByRole('navigation', { name: '메뉴' }).getByRole('link').allTextContents()).toEqual(['노드', '작업', '프로필', '사용량', '브리지 설정', '원격 노드', '자격 증명']);
  });

  it('shows every page in Korean', async () => {
    const pages: [string, string][] = [
      ['프로필', '프로필'],
      ['사용량', '사용량'],
      ['브리지 설정', '브리지 설정'],
      ['원격 노드', '원격 노드'],
      ['자격 증명', '자격 증명'],
    ];
    for (const [link, title] of pages) {
      await navLink(link).click();
      await expect.poll(heading).toBe(title);
      // Nothing still loading, and no English sentence left on the page.
      await expect.poll(() => page.getByRole('status').filter({ hasText: '불러오는 중' }).count()).toBe(0);
      expect(await page.locator('main').innerText()).not.toMatch(/\b(the|and|with|Loading|Save)\b/);
    }
    await browser.screenshot('dashboard-ko-usage-empty');
  });

  it('runs a job and shows its page in Korean', async () => {
    await navLink('작업').click();
    await page.getByLabel('프롬프트').fill('테스트를 고쳐 주세요');
    await page.getByRole('button', { name: '작업 실행' }).click();
    await page.waitForURL(/\/jobs\/\d+$/);
    await expect.poll(() => page.getByTestId('job-status').textContent()).toBe('상태 성공');
    const result = page.getByTestId('job-result');
    await expect.poll(() => result.textContent()).toContain('1,234 (입력 1,000, 출력 234)');
    expect(await result.getByRole('heading', { name: '결과' }).count()).toBe(1);
    expect(await page.getByTestId('log-state').textContent()).toBe('완료');
    expect(await page.getByTestId('job-log').textContent()).toContain('종료: 성공');
    // The master's record is the same whatever the language: only the words differ.
    const id = Number(new URL(page.url()).pathname.split('/').at(-1));
    const job = (await (await master.api(`/api/jobs/${id}`)).json()) as JobRecord;
    expect(job.status).toBe('succeeded');
    await browser.screenshot('dashboard-ko-job');

    // Switching redraws the job page in English, its log too.
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.getByTestId('job-status').textContent()).toBe('Status succeeded');
    await expect.poll(() => page.getByTestId('job-log').textContent()).toContain('Finished: succeeded');
    expect(browser.problems).toEqual([]);
  });
});
