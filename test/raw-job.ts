import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import type { JobAnswerFrame, JobEvent, JobSpec } from '../src/protocol/index.js';
import { startBrowser, type TestBrowser } from '../src/test-support/browser.js';
import { ChangeNode } from '../src/test-support/change-node.js';
import { removeTempDirs } from '../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';

/** A master serving the dashboard, a raw node `asker` on it, and Chromium signed in to it. */
export interface AskerDashboard {
  master: TestMaster;
  node: ChangeNode;
  browser: TestBrowser;
  page: Page;
  close(): Promise<void>;
}

/** Starts an `AskerDashboard` (the dashboard as built in `frontend/dist`). */
export async function openAskerDashboard(): Promise<AskerDashboard> {
  const master = await startTestMaster({}, { dashboardDir: resolve('frontend/dist') });
  const node = await ChangeNode.connect(master, 'asker');
  const browser = await startBrowser();
  const { page } = browser;
  await page.goto(`${master.httpUrl}/?token=${master.adminToken.value}`);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return {
    master,
    node,
    browser,
    page,
    async close() {
      await browser.close();
      node.close();
      await master.close();
      removeTempDirs();
    },
  };
}

/**
 * A job on a raw test node, with the sequence numbers its events take: it sends `question` events
 * as a node does when Codex asks, and takes the `job_answer` frames the master sends for them.
 */
export class RawJob {
  private seq: number;

  constructor(
    private readonly node: ChangeNode,
    readonly spec: JobSpec,
  ) {
    this.seq = spec.nextSeq;
  }

  get id(): number {
    return this.spec.id;
  }

  /** The id the node gives the job's `n`th question. */
  qid(n = 1): string {
    return `a${this.spec.attempt}q${n}`;
  }

  /** Sends events as the node would and resolves once the master acknowledged them. */
  async emit(...events: JobEvent[]): Promise<void> {
    const at = new Date().toISOString();
    await this.node.send(this.spec, events.map((event) => ({ seq: this.seq++, at, event })));
  }

  /** The next answer the master hands the node for this job. */
  async answer(timeoutMs = 5000): Promise<JobAnswerFrame> {
    const frame = await this.node.client.next((m) => m.json?.type === 'job_answer' && m.json.jobId === this.id, timeoutMs);
    return frame.json as unknown as JobAnswerFrame;
  }

  /** What a node does with an answer: tells Codex, records it as an `answer` event; then the job ends. */
  async recordAndFinish(frame: JobAnswerFrame): Promise<void> {
    await this.emit({ kind: 'answer', questionId: frame.questionId, answer: frame.answer, by: frame.by });
    await this.emit({ kind: 'finished', result: { status: 'succeeded', finalMessage: 'Done.', filesChanged: [], commands: [], durationMs: 5 } });
  }
}
