import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CodexDriver } from '../codex/index.js';
import { childEnvironment } from '../config/index.js';
import type { JobRecord } from '../master/store/index.js';
import type { SequencedJobEvent } from '../protocol/index.js';
import { cleanCheckout, git, originRepository, type Origin } from '../test-support/git-fixtures.js';
import { GitHubStandIn } from '../test-support/github-stand-in.js';
import { applyPatchCall, assistantMessage, execCommandCall, ResponsesStandIn, writeCodexHome, type CodexHome } from '../test-support/responses-stand-in.js';
import { diffOf, startChangeNode } from '../test-support/scripted-jobs.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { waitFor } from '../test-support/wait.js';
import type { LogLine } from '../test-support/log-capture.js';
import { CodexExecutor } from './codex-executor.js';
import type { NodeWorker } from './worker.js';
import { Workspaces } from './workspaces.js';

const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;

let standIn: ResponsesStandIn;
let github: GitHubStandIn;
let home: CodexHome;
let driver: CodexDriver;
let master: TestMaster;
let worker: NodeWorker;
let lines: LogLine[];
let origin: Origin;
let dir: string;

beforeAll(async () => {
  // The node's own credential is in its environment, where Codex must not find it.
  vi.stubEnv('GITHUB_TOKEN', TOKEN);
  standIn = await ResponsesStandIn.start();
  home = writeCodexHome(standIn.baseUrl);
  driver = new CodexDriver({ baseEnv: childEnvironment(), env: home.env });
  await driver.start();
  origin = originRepository({ 'README.md': '# App\n', 'docs/old.md': 'one\ntwo\nthree\nfour\n' });
  github = await GitHubStandIn.start(TOKEN, { 'acme/app': { defaultBranch: 'main', origin: origin.bare } });
  master = await startTestMaster({ jobs: { maxAttempts: 1, defaultTimeoutSec: 60, requeueGraceSec: 30, cancelWaitSec: 5, allowLocalRepos: true } });
  dir = tempDir();
  const workspaces = new Workspaces({ dir, defaultWorkdir: tempDir(), allowLocalRepos: true, env: childEnvironment() });
  ({ worker, lines } = startChangeNode(master.wsUrl, master.nodeToken.value, { executor: new CodexExecutor(driver), workspaces, github: { token: TOKEN, apiUrl: github.apiUrl } }));
  await waitFor(() => master.hub.listNodes().length === 1, 'the node');
});
afterAll(async () => {
  await worker.agent.stop();
  await master.close();
  await driver.close();
  await standIn.close();
  await github.close();
  home.remove();
  removeTempDirs();
  vi.unstubAllEnvs();
});

describe("a real Codex job's change", () => {
  it('is committed on csc/job-<id>, its diff reproduces the commit on a clean checkout, and its pull request is opened', async () => {
    const patch = ['*** Begin Patch', '*** Update File: README.md', '@@', ' # App', '+', '+Run `npm start`.', '*** Add File: docs/plan.md', '+1. ship', '*** End Patch'].join('\n');
    standIn.enqueue(
      { output: [applyPatchCall(patch)] },
      { output: [execCommandCall('mv docs/old.md docs/new.md && env > env.txt')] },
      { output: [assistantMessage('Documented start-up, added a plan, moved the notes.')] },
    );
    const body = { prompt: 'document how to start the app', repo: origin.bare, profile: { sandbox: 'workspace-write', approvalPolicy: 'never', publish: 'pr' } };
    const created = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify(body) })).json()) as JobRecord;
    const get = async () => (await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord;
    await waitFor(async () => ['succeeded', 'failed'].includes((await get()).status), 'the job', 30_000);
    const job = await get();
    const { events } = (await (await master.api(`/api/jobs/${created.id}/logs?limit=5000`)).json()) as { events: SequencedJobEvent[] };
    expect(job.status).toBe('succeeded');

    const branch = `csc/job-${created.id}`;
    const cache = join(dir, 'repos', 'local__app.git');
    const change = job.result?.change;
    expect(change).toMatchObject({ baseCommit: origin.main, branch, headCommit: git(cache, 'rev-parse', branch).trim(), truncated: false });
    expect(change?.files.map((f) => `${f.status} ${f.oldPath ?? ''}${f.path}`).sort()).toEqual(['added docs/plan.md', 'added env.txt', 'modified README.md', 'renamed docs/old.mddocs/new.md']);
    expect(git(cache, 'log', '-1', '--format=%an <%ae>%n%B', branch).trim()).toBe(`Codex Super Client <csc@${hostname()}>\ndocument how to start the app\n\nDocumented start-up, added a plan, moved the notes.`);

    // The diff, as the master stored it, rebuilds the committed tree from the base.
    const clean = cleanCheckout(origin.bare, origin.main);
    const diffFile = join(tempDir(), 'job.diff');
    writeFileSync(diffFile, diffOf(events));
    git(clean, 'apply', diffFile);
    git(clean, 'add', '-A');
    expect(git(clean, 'write-tree').trim()).toBe(git(cache, 'rev-parse', `${branch}^{tree}`).trim());

    expect(job.result?.publication).toMatchObject({ mode: 'pr', branch, pullRequest: { number: 1, url: 'https://github.com/acme/app/pull/1' } });
    expect(git(origin.bare, 'rev-parse', branch).trim()).toBe(change?.headCommit);
    // Codex's commands saw no GitHub credential: env.txt is in the commit.
    const seen = git(cache, 'show', `${branch}:env.txt`);
    expect(seen).toContain('CODEX_HOME=');
    expect(seen).not.toContain('GITHUB_TOKEN');
    expect(seen).not.toContain(TOKEN);
    expect(JSON.stringify([job, events, lines])).not.toContain(TOKEN);
  });
});
