import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { childEnvironment } from '../config/index.js';
import type { JobRecord } from '../master/store/index.js';
import type { JobSpec } from '../protocol/index.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { startTestNode } from '../test-support/test-node.js';
import { waitFor } from '../test-support/wait.js';
import type { Executor } from './executor.js';
import type { NodeWorker } from './worker.js';
import { WorkspaceError, Workspaces } from './workspaces.js';

afterAll(removeTempDirs);

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=Test', ...args], { cwd, encoding: 'utf8' });
}

/** A bare repository with one commit on `main`, and the working copy it was made from. */
function bareRepo(): { bare: string; source: string } {
  const source = tempDir('csc-src-');
  git(source, 'init', '--quiet', '-b', 'main');
  writeFileSync(join(source, 'README.md'), 'first\n');
  git(source, 'add', '.');
  git(source, 'commit', '--quiet', '-m', 'first');
  const bare = join(tempDir('csc-bare-'), 'project.git');
  git(source, 'clone', '--quiet', '--bare', source, bare);
  git(source, 'remote', 'add', 'origin', bare);
  return { bare, source };
}

const spec = (overrides: Partial<JobSpec>): JobSpec => ({ id: 1, prompt: 'p', profile: {}, attempt: 1, nextSeq: 1, ...overrides });

describe('Workspaces', () => {
  it('checks a job out on its own branch in a fresh worktree, and fetches new commits for the next job', async () => {
    const { bare, source } = bareRepo();
    const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: '/nowhere', allowLocalRepos: true, env: childEnvironment() });
    const { cwd: first } = await workspaces.prepare(spec({ id: 1, repo: bare }));
    expect(readFileSync(join(first, 'README.md'), 'utf8')).toBe('first\n');
    expect(git(first, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('csc/job-1');

    writeFileSync(join(source, 'README.md'), 'second\n');
    git(source, 'commit', '--quiet', '-am', 'second');
    git(source, 'push', '--quiet', 'origin', 'main');
    const [{ cwd: second }, { cwd: retry }] = await Promise.all([
      workspaces.prepare(spec({ id: 2, repo: bare, ref: 'main' })),
      workspaces.prepare(spec({ id: 1, repo: bare, attempt: 2 })),
    ]);
    expect(readFileSync(join(second, 'README.md'), 'utf8')).toBe('second\n');
    expect(retry).not.toBe(first);
    expect(git(retry, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('csc/job-1');
  });

  it('runs a job without a repository in the default working directory', async () => {
    const workdir = tempDir();
    expect(await new Workspaces({ dir: tempDir(), defaultWorkdir: workdir, env: childEnvironment() }).prepare(spec({}))).toEqual({ cwd: workdir });
  });

  it.each([
    ['a local path unless allowed', { repo: '/srv/git/project.git' }, /not a GitHub repository/],
    ['the ext transport', { repo: 'ext::sh -c touch% /tmp/x' }, /not a GitHub repository/],
    ['option injection', { repo: '-u/x' }, /invalid owner/],
    ['a bad ref', { repo: 'acme/app', ref: '--upload-pack=x' }, /not a branch, tag or commit/],
  ])('refuses %s', async (_what, overrides, message) => {
    const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), env: childEnvironment() });
    await expect(workspaces.prepare(spec(overrides))).rejects.toThrow(WorkspaceError);
    await expect(workspaces.prepare(spec(overrides))).rejects.toThrow(message);
  });

  it("reports git's own words when a checkout fails", async () => {
    const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), allowLocalRepos: true, env: childEnvironment() });
    await expect(workspaces.prepare(spec({ repo: join(tempDir(), 'missing.git') }))).rejects.toThrow(/git clone --bare --quiet -- failed: .*(does not exist|not a git repository)/s);
  });
});

describe('a job with a repository, end to end', () => {
  let master: TestMaster;
  let worker: NodeWorker;
  afterEach(async () => {
    await worker.agent.stop();
    await master.close();
  });

  it('runs in a checkout of the local bare repository', async () => {
    const { bare } = bareRepo();
    master = await startTestMaster({ jobs: { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceSec: 30, cancelWaitSec: 5, allowLocalRepos: true } });
    const lister: Executor = {
      name: 'lister',
      run: (_job, { cwd, emit }) => {
        const files = readdirSync(cwd).filter((f) => f !== '.git').join(',');
        emit({ kind: 'agent_message', text: files });
        return Promise.resolve({ status: 'succeeded', finalMessage: files, filesChanged: [], commands: [], durationMs: 1 });
      },
    };
    const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), allowLocalRepos: true, env: childEnvironment() });
    worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'git-node', executor: lister, workspaces });
    const created = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'list', repo: bare }) })).json()) as JobRecord;
    expect(created.repo).toBe(bare);
    await waitFor(async () => ((await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord).status === 'succeeded', 'the job');
    const done = (await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord;
    expect(done.result?.finalMessage).toBe('README.md');
  });

  it('fails a job whose repository cannot be checked out, with the reason', async () => {
    master = await startTestMaster({ jobs: { maxAttempts: 3, defaultTimeoutSec: 60, requeueGraceSec: 30, cancelWaitSec: 5, allowLocalRepos: true } });
    worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'git-node' });
    const created = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'x', repo: '/no/such/repo.git' }) })).json()) as JobRecord;
    await waitFor(async () => ((await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord).status === 'failed', 'the job to fail');
    const done = (await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord;
    expect(done.error).toMatch(/not a GitHub repository/);
  });
});
