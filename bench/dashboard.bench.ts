/**
 * `npm run bench:dashboard`: the dashboard's page of a long job in Chromium, beside the same page of
 * a short one, in the same run. A data dir is seeded with a job of 200,000 events (commands with
 * output, notes, messages; two in ten are message deltas) and one of 2,000, a real master process
 * (bin/csc.js, serving the built dashboard) is started on it, and each job's page is opened in
 * headless Chromium: navigation → newest row on screen, JS heap after a GC, DOM size, 20 scroll
 * steps up the log (frames, long tasks), and a search for an event near the log's start until it
 * is highlighted. Medians of BENCH_REPEATS runs (default 5) after one warm-up of each page.
 */
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { LONG_TASK_RECORDER, measureJobPage, SCROLL_STEPS, type PageFigures } from './dashboard-page.js';
import { formatMs } from './report.js';
import { median } from './stats.js';
import { startBrowser } from '../src/test-support/browser.js';
import { longLogEvent, roundWarning, ROUND, seedLongJob } from '../src/test-support/long-log.js';
import { killMasterProcesses, MasterProcess } from '../src/test-support/master-process.js';
import { tempDir } from '../src/test-support/temp-dir.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const SIZES = [2_000, 200_000] as const;
const TARGET_OPEN_MS = 2000;
/** The round whose warning the search looks for: near the start, so the jump loads a far page. */
const SEARCH_ROUND = 3;

interface SeededJob {
  events: number;
  id: number;
  newestSeq: number;
  searchFor: string;
  searchSeq: number;
}

function seed(dataDir: string): SeededJob[] {
  return SIZES.map((events) => {
    const started = performance.now();
    const id = seedLongJob(dataDir, events);
    console.log(`seeded job ${id}: ${events.toLocaleString('en-US')} events in ${formatMs(performance.now() - started)}`);
    const index = SEARCH_ROUND * ROUND + 7;
    if (longLogEvent(index).kind !== 'log') throw new Error('the seeded log changed: fix SEARCH_ROUND');
    return { events, id, newestSeq: events, searchFor: roundWarning(SEARCH_ROUND), searchSeq: index + 1 };
  });
}

/** Median time of the API's own answers, for telling the page's time from the master's. */
async function apiFigures(master: MasterProcess, job: SeededJob): Promise<{ newestPageMs: number; searchMs: number }> {
  const time = async (path: string): Promise<number> => {
    const started = performance.now();
    const response = await master.api(path);
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return performance.now() - started;
  };
  const pages: number[] = [];
  const searches: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    pages.push(await time(`/api/jobs/${job.id}/logs?before=${job.newestSeq + 1}&limit=500&fold=true`));
    searches.push(await time(`/api/jobs/${job.id}/logs/search?q=${encodeURIComponent(job.searchFor)}&fold=true`));
  }
  return { newestPageMs: median(pages), searchMs: median(searches) };
}

async function measurePages(master: MasterProcess, dataDir: string, jobs: SeededJob[]): Promise<Map<number, PageFigures[]>> {
  const browser = await startBrowser();
  try {
    await browser.context.addInitScript(LONG_TASK_RECORDER);
    const { page } = browser;
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    await page.goto(`${master.httpUrl}/?token=${token}`);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    const cdp = await browser.context.newCDPSession(page);
    const results = new Map<number, PageFigures[]>(jobs.map((job) => [job.events, []]));
    const run = (job: SeededJob) => measureJobPage(page, cdp, `${master.httpUrl}/jobs/${job.id}`, job);
    for (const job of jobs) await run(job);
    for (let i = 0; i < REPEATS; i++) {
      for (const job of i % 2 === 0 ? jobs : [...jobs].reverse()) {
        const figures = await run(job);
        results.get(job.events)?.push(figures);
        console.log(`  ${job.events.toLocaleString('en-US')} events, run ${i + 1}: open ${formatMs(figures.openMs)}, heap ${figures.heapMb.toFixed(1)} MB, ${figures.domNodes} DOM nodes, search ${formatMs(figures.searchMs)}`);
      }
    }
    if (browser.problems.length > 0) console.log(`console problems:\n  ${browser.problems.join('\n  ')}`);
    return results;
  } finally {
    await browser.close();
  }
}

type Row = [label: string, pick: (f: PageFigures) => number, format: (n: number) => string];

const ROWS: Row[] = [
  ['open → newest row shown', (f) => f.openMs, formatMs],
  ['long tasks while opening', (f) => f.openLongTasks, String],
  ['JS heap after GC', (f) => f.heapMb, (n) => `${n.toFixed(1)} MB`],
  ['DOM nodes (page)', (f) => f.domNodes, String],
  ['log rows in the DOM', (f) => f.logRows, String],
  [`${SCROLL_STEPS} scroll steps`, (f) => f.scrollMs, formatMs],
  ['worst frame scrolling', (f) => f.worstFrameMs, formatMs],
  ['long tasks scrolling', (f) => f.scrollLongTasks, String],
  ['search → match shown', (f) => f.searchMs, formatMs],
];

function report(jobs: SeededJob[], pages: Map<number, PageFigures[]>, api: Map<number, { newestPageMs: number; searchMs: number }>): void {
  const [small, large] = jobs.map((job) => job.events) as [number, number];
  const cell = (text: string, width = 16): string => text.padStart(width);
  console.log(`\nDashboard: one job's page in Chromium, ${small.toLocaleString('en-US')} vs ${large.toLocaleString('en-US')} events (median of ${REPEATS} runs)`);
  console.log(`  ${availableParallelism()} cores, load average ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);
  console.log(`${''.padEnd(28)}${cell(`${small.toLocaleString('en-US')} ev`)}${cell(`${large.toLocaleString('en-US')} ev`)}${cell('ratio', 10)}`);
  const line = (label: string, a: number, b: number, format: (n: number) => string, extra = ''): void =>
    console.log(`  ${label.padEnd(26)}${cell(format(a))}${cell(format(b))}${cell(a === 0 ? '-' : `${(b / a).toFixed(2)}×`, 10)}${extra}`);
  for (const [label, pick, format] of ROWS) {
    const a = median((pages.get(small) ?? []).map(pick));
    const b = median((pages.get(large) ?? []).map(pick));
    const verdict = label.startsWith('open') ? `   target ≤ ${TARGET_OPEN_MS} ms: ${b <= TARGET_OPEN_MS ? 'met' : 'MISSED'}` : '';
    line(label, a, b, format, verdict);
  }
  const apiOf = (events: number) => api.get(events) ?? { newestPageMs: Number.NaN, searchMs: Number.NaN };
  line('API: newest page (500)', apiOf(small).newestPageMs, apiOf(large).newestPageMs, formatMs);
  line('API: search', apiOf(small).searchMs, apiOf(large).searchMs, formatMs);
}

async function main(): Promise<void> {
  const dataDir = tempDir('csc-bench-dashboard-');
  const jobs = seed(dataDir);
  const master = await MasterProcess.start({ dataDir });
  try {
    const api = new Map<number, { newestPageMs: number; searchMs: number }>();
    for (const job of jobs) api.set(job.events, await apiFigures(master, job));
    const pages = await measurePages(master, dataDir, jobs);
    report(jobs, pages, api);
  } finally {
    killMasterProcesses();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
