import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { childEnvironment } from '../config/index.js';
import type { JobRecord } from '../master/store/index.js';
import type { JobResult, SequencedJobEvent } from '../protocol/index.js';
import { cleanCheckout, git, originRepository } from '../test-support/git-fixtures.js';
import { GitHubStandIn } from '../test-support/github-stand-in.js';
import { startChangeNode } from '../test-support/scripted-jobs.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster } from '../test-support/test-master.js';
import { waitFor } from '../test-support/wait.js';
import type { Executor } from './executor.js';
import { Workspaces } from './workspaces.js';

const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});
afterAll(removeTempDirs);

/** Appends a line naming the job to `log.txt`, as Codex would edit a file. */
const appender: Executor = {
  name: 'appender',
  run: (job, { cwd }) => {
    writeFileSync(join(cwd, 'log.txt'), `job ${job.id}\n`, { flag: 'a' });
    return Promise.resolve<JobResult>({ status: 'succeeded', finalMessage: `Logged job ${job.id}.`, filesChanged: [], commands: [], durationMs: 1 });
  },
};

describe('a node and a real master: the change, published afterwards, and a follow-up', () => {
  it('serves the diff, publishes on request (POST /api/jobs/:id/publish), and a follow-up adds to the same pull request', async () => {
    const origin = originRepository({ 'README.md': '# App\n' });
    const github = await GitHubStandIn.start(TOKEN, { 'acme/app': { defaultBranch: 'main', origin: origin.bare } });
    const master = await startTestMaster({ jobs: { maxAttempts: 1, defaultTimeoutSec: 60, requeueGraceSec: 30, cancelWaitSec: 5, allowLocalRepos: true } });
    const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), allowLocalRepos: true, env: childEnvironment() });
    const { worker, lines } = startChangeNode(master.wsUrl, master.nodeToken.value, { executor: appender, workspaces, github: { token: TOKEN, apiUrl: github.apiUrl } });
    stops.push(() => github.close(), () => master.close(), () => worker.agent.stop());
    await waitFor(() => master.hub.listNodes().length === 1, 'the node');
    const post = async (path: string, body: unknown) => (await master.api(path, { method: 'POST', body: JSON.stringify(body) })).json() as Promise<JobRecord>;
    const ended = async (id: number) => {
      const get = async () => (await (await master.api(`/api/jobs/${id}`)).json()) as JobRecord;
      await waitFor(async () => ['succeeded', 'failed'].includes((await get()).status), `job ${id}`, 20_000);
      return get();
    };

    const first = await ended((await post('/api/jobs', { prompt: 'log the first job', repo: origin.bare })).id);
    const diff = await (await master.api(`/api/jobs/${first.id}/diff`)).text();
    const clean = cleanCheckout(origin.bare, origin.main);
    writeFileSync(join(clean, '..', 'first.diff'), diff);
    git(clean, 'apply', join(clean, '..', 'first.diff'));
    expect(readFileSync(join(clean, 'log.txt'), 'utf8')).toBe(`job ${first.id}\n`);

    const published = await post(`/api/jobs/${first.id}/publish`, { mode: 'pr' });
    expect(published.result?.publication).toMatchObject({ mode: 'pr', branch: `csc/job-${first.id}`, pullRequest: { number: 1 } });
    expect(git(origin.bare, 'rev-parse', `csc/job-${first.id}`).trim()).toBe(first.result?.change?.headCommit);

    const second = await ended((await post('/api/jobs', { prompt: 'log the follow-up', repo: origin.bare, continueFrom: first.id, profile: { publish: 'pr' } })).id);
    expect(second.result?.change).toMatchObject({ branch: `csc/job-${first.id}`, baseCommit: first.result?.change?.headCommit });
    expect(second.result?.publication).toMatchObject({ branch: `csc/job-${first.id}`, pullRequest: { number: 1 } });
    expect(git(origin.bare, 'show', `csc/job-${first.id}:log.txt`)).toBe(`job ${first.id}\njob ${second.id}\n`);
    expect(github.pulls).toHaveLength(1);

    const { events } = (await (await master.api(`/api/jobs/${second.id}/logs?limit=5000`)).json()) as { events: SequencedJobEvent[] };
    expect(JSON.stringify([first, published, second, events, lines])).not.toContain(TOKEN);
  });
});
