import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from './temp-dir.js';

/** Debian's Chromium (`apt-get install chromium`); `.ci/run` installs it. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where the browser tests put their screenshots (gitignored, kept by CI with the log). */
export const SCREENSHOT_DIR = resolve('test-artifacts/screenshots');

/**
 * Whether the browser tests can run. Without Chromium they are skipped on a developer's machine,
 * loudly, but under CI they must run: there a missing browser fails the suite.
 */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) return true;
  console.warn(`\n*** ${CHROMIUM} is missing: SKIPPING the dashboard browser tests. Install it: apt-get install -y chromium ***\n`);
  return false;
}

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Console errors and warnings and uncaught page errors, in order. */
  problems: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, one page, and every console problem recorded. */
export async function startBrowser(viewport = { width: 1280, height: 860 }): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing; install it with: apt-get update && apt-get install -y chromium`);
  const context = await chromium.launchPersistentContext(tempDir('csc-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport,
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  const problems: string[] = [];
  context.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${message.type()}: ${message.text()} (${message.location().url})`);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return {
    context,
    page,
    problems,
    async screenshot(name) {
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      console.log(`screenshot: ${path}`);
      return path;
    },
    close: () => context.close(),
  };
}
