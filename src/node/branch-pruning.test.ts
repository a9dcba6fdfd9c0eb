import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnvironment } from '../config/index.js';
import type { JobSpec } from '../protocol/index.js';
import { git, originRepository } from '../test-support/git-fixtures.js';
import { startScriptedNode } from '../test-support/scripted-jobs.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait.js';
import { EchoExecutor } from './executor.js';
import { Workspaces } from './workspaces.js';

afterAll(removeTempDirs);

const DAY_S = 86_400;

/** A commit on `main` whose dates are `daysAgo` days back, as `branch` of the cache. */
function branchFromDaysAgo(cache: string, branch: string, daysAgo: number): void {
  const date = `@${Math.floor(Date.now() / 1000) - daysAgo * DAY_S} +0000`;
  const env = { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.com', GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date };
  const commit = execFileSync('git', ['-C', cache, 'commit-tree', 'main^{tree}', '-p', 'main', '-m', `${daysAgo} days old`], { env, encoding: 'utf8' }).trim();
  git(cache, 'update-ref', `refs/heads/${branch}`, commit);
}

/** Workspaces with a cached clone holding job branches of several ages; one of them checked out by a running job. */
async function agedCache(): Promise<{ dir: string; cache: string; workspaces: Workspaces }> {
  const origin = originRepository({ 'README.md': 'first\n' });
  const dir = tempDir();
  const workspaces = new Workspaces({ dir, defaultWorkdir: tempDir(), allowLocalRepos: true, env: childEnvironment() });
  const job = (overrides: Partial<JobSpec>): JobSpec => ({ id: 1, prompt: 'p', profile: {}, attempt: 1, nextSeq: 1, repo: origin.bare, ...overrides });
  await workspaces.release(await workspaces.prepare(job({ id: 1 })));
  const cache = join(dir, 'repos', 'local__app.git');
  branchFromDaysAgo(cache, 'csc/job-1', 40);
  branchFromDaysAgo(cache, 'csc/job-2', 3);
  branchFromDaysAgo(cache, 'csc/job-3', 40);
  await workspaces.prepare(job({ id: 4, branch: 'csc/job-3' }));
  // A worktree a crashed node left, untouched for as long.
  const leftover = join(dir, 'jobs', 'job-77-attempt-1');
  mkdirSync(leftover, { recursive: true });
  utimesSync(leftover, new Date(Date.now() - 40 * DAY_S * 1000), new Date(Date.now() - 40 * DAY_S * 1000));
  return { dir, cache, workspaces };
}

const branches = (cache: string) => git(cache, 'for-each-ref', '--format=%(refname:lstrip=2)', 'refs/heads/').trim().split('\n');

describe('pruning old job branches', () => {
  it('removes csc/job-* branches older than the retention, keeping newer ones and any a worktree has checked out', async () => {
    const { dir, cache, workspaces } = await agedCache();
    expect(await workspaces.prune(30)).toEqual([{ repo: 'local__app.git', branches: ['csc/job-1'] }]);
    expect(branches(cache)).toEqual(['csc/job-2', 'csc/job-3', 'main']);
    expect(existsSync(join(dir, 'jobs', 'job-77-attempt-1'))).toBe(false);
    expect(existsSync(join(dir, 'jobs', 'job-4-attempt-1'))).toBe(true);
    expect(await workspaces.prune(30)).toEqual([]);
  });

  it('runs when the node starts, and the node logs what it removed', async () => {
    const { cache, workspaces } = await agedCache();
    const { stand, worker, lines } = await startScriptedNode({ executor: new EchoExecutor(), workspaces, branchRetentionDays: 30 });
    try {
      const line = await waitFor(() => lines.find((l) => l.msg.startsWith('removed ')), 'the pruning log line');
      expect(line).toMatchObject({ msg: 'removed 1 job branch older than 30 days from the cache of local__app.git', repo: 'local__app.git', branches: ['csc/job-1'] });
      expect(branches(cache)).not.toContain('csc/job-1');
    } finally {
      await worker.agent.stop();
      await stand.close();
    }
  });
});
