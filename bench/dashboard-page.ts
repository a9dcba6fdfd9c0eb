/**
 * What bench/dashboard.bench.ts measures of one job's page in Chromium: the time from navigation to
 * the log's newest row on screen, the JS heap and DOM it then holds, how fast it scrolls, and how
 * long a search takes to show a match far back. Page code is passed as strings: the bench compiles
 * without the DOM library.
 */
import type { CDPSession, Page } from 'playwright-core';

export interface PageFigures {
  /** Navigation start → the newest row of the log inside the log's box. */
  openMs: number;
  /** Long tasks (> 50 ms on the main thread) until then. */
  openLongTasks: number;
  heapMb: number;
  domNodes: number;
  logRows: number;
  /** `SCROLL_STEPS` steps up the log, one frame each. */
  scrollMs: number;
  worstFrameMs: number;
  scrollLongTasks: number;
  /** Enter in the search box → the match (an event near the start of the log) highlighted on screen. */
  searchMs: number;
}

export const SCROLL_STEPS = 20;
const SCROLL_STEP_PX = 600;
const TIMEOUT_MS = 60_000;

/** Records the page's long tasks from its start (install once per browser context). */
export const LONG_TASK_RECORDER = `
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration }); })
    .observe({ type: 'longtask', buffered: true });
`;

/** Resolves (polled each frame) with performance.now() once the row of `seq` is inside the log's box. */
const rowVisibleAt = (seq: number, selector = `li[data-seq="${seq}"]`): string => `(() => {
  const box = document.querySelector('[data-testid="job-log"]');
  const row = box && box.querySelector('${selector}');
  if (!row) return false;
  const b = box.getBoundingClientRect(), r = row.getBoundingClientRect();
  return r.top >= b.top - 1 && r.bottom <= b.bottom + 1 ? performance.now() : false;
})()`;

const SCROLL = `(async () => {
  const box = document.querySelector('[data-testid="job-log"]');
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  await frame();
  const start = performance.now();
  let last = start, worst = 0;
  for (let i = 0; i < ${SCROLL_STEPS}; i++) {
    box.scrollTop -= ${SCROLL_STEP_PX};
    await frame();
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }
  return { start, end: performance.now(), worst };
})()`;

const longTasksBetween = (page: Page, from: number, to: number): Promise<number> =>
  page.evaluate<number>(`window.__longTasks.filter((t) => t.start >= ${from} && t.start < ${to}).length`);

/** Opens `/jobs/:id` in `page` (signed in) and measures it; `newestSeq` is the job's last event, `searchFor` a text found only at `searchSeq`. */
export async function measureJobPage(page: Page, cdp: CDPSession, url: string, job: { newestSeq: number; searchFor: string; searchSeq: number }): Promise<PageFigures> {
  await page.goto(url);
  const openMs = (await (await page.waitForFunction(rowVisibleAt(job.newestSeq), undefined, { polling: 'raf', timeout: TIMEOUT_MS })).jsonValue()) as number;
  const openLongTasks = await longTasksBetween(page, 0, openMs);

  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const domNodes = await page.evaluate<number>('document.getElementsByTagName("*").length');
  const logRows = await page.evaluate<number>('document.querySelectorAll(\'[data-testid="job-log"] li\').length');

  const scroll = await page.evaluate<{ start: number; end: number; worst: number }>(SCROLL);
  const scrollLongTasks = await longTasksBetween(page, scroll.start, scroll.end);

  const search = page.getByLabel('Search the log');
  await search.fill(job.searchFor);
  const asked = performance.now();
  await search.press('Enter');
  await page.waitForFunction(rowVisibleAt(job.searchSeq, `li.log-hit[data-seq="${job.searchSeq}"]`), undefined, { polling: 'raf', timeout: TIMEOUT_MS });
  const searchMs = performance.now() - asked;

  return {
    openMs,
    openLongTasks,
    heapMb: heap.usedSize / (1024 * 1024),
    domNodes,
    logRows,
    scrollMs: scroll.end - scroll.start,
    worstFrameMs: scroll.worst,
    scrollLongTasks,
    searchMs,
  };
}
