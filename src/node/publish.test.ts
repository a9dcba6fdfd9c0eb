import { createHash, randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { childEnvironment } from '../config/index.js';
import type { JobResult, JobSpec } from '../protocol/index.js';
import { git, gitProcessLog, originRepository, refusePushes, type GitProcessLog, type Origin } from '../test-support/git-fixtures.js';
import { GitHubStandIn } from '../test-support/github-stand-in.js';
import { diffOf, publishLater, resultOf, runJob, startScriptedNode, type ScriptedNode } from '../test-support/scripted-jobs.js';
import type { ScriptedMaster } from '../test-support/scripted-master.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import type { Executor } from './executor.js';
import type { GitHubSettings } from './publisher.js';
import { Workspaces } from './workspaces.js';

const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});
afterAll(removeTempDirs);

/** Writes `file` (a line naming the job) in the job's checkout, as Codex would. */
const writer: Executor = {
  name: 'writer',
  run: (job, { cwd }) => {
    writeFileSync(join(cwd, `job-${job.id}.txt`), `written by job ${job.id}\n`);
    return Promise.resolve<JobResult>({ status: 'succeeded', finalMessage: `Wrote job-${job.id}.txt.`, filesChanged: [], commands: [], durationMs: 1 });
  },
};

interface Setup {
  origin: Origin;
  standIn: GitHubStandIn;
  processes: GitProcessLog;
  dir: string;
  node: ScriptedNode;
  /** A node on the same cache and stand-in master, as after a restart. */
  restart(): Promise<ScriptedNode>;
}

async function setup(options: { repoName?: string; github?: (apiUrl: string) => GitHubSettings } = {}): Promise<Setup> {
  const origin = originRepository({ 'README.md': 'first\n' }, 'acme', options.repoName ?? 'app');
  const standIn = await GitHubStandIn.start(TOKEN, { 'acme/app': { defaultBranch: 'main', origin: origin.bare } });
  stops.push(() => standIn.close());
  const processes = gitProcessLog();
  const dir = tempDir();
  const github = options.github?.(standIn.apiUrl) ?? { token: TOKEN, apiUrl: standIn.apiUrl };
  const start = async (stand?: ScriptedMaster) => {
    const workspaces = new Workspaces({ dir, defaultWorkdir: tempDir(), allowLocalRepos: true, env: { ...childEnvironment(), PATH: processes.path } });
    const node = await startScriptedNode({ executor: writer, workspaces, github, ...(stand === undefined ? {} : { stand }) });
    stops.push(() => node.worker.agent.stop());
    return node;
  };
  const node = await start();
  stops.splice(stops.length - 1, 0, () => node.stand.close());
  return { origin, standIn, processes, dir, node, restart: () => start(node.stand) };
}

const spec = (overrides: Partial<JobSpec> & { id: number; repo: string }): JobSpec => ({ prompt: `job ${overrides.id}`, profile: {}, attempt: 1, nextSeq: 1, ...overrides });

/** The token, as itself and as the Basic credential git gets, is nowhere the node writes to or shows. */
function expectTokenNowhere({ node, processes }: Setup): void {
  const places = {
    'log lines': JSON.stringify(node.lines),
    'frames sent': JSON.stringify(node.stand.received),
    'git argument lists': processes.processes().map((p) => p.argv).join('\n'),
  };
  for (const [where, text] of Object.entries(places)) {
    expect(text.includes(TOKEN), `the token in the ${where}`).toBe(false);
    expect(text.includes(BASIC), `the credential in the ${where}`).toBe(false);
  }
}

function branchAt(bare: string, branch: string): string | undefined {
  try {
    return git(bare, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`).trim();
  } catch {
    return undefined;
  }
}

describe('publishing a job', () => {
  it('pushes its branch and opens a pull request; the token is in no log line, frame, event or git argument list', async () => {
    const env = await setup();
    const events = await runJob(env.node.stand, spec({ id: 21, repo: env.origin.bare, prompt: 'add a greeting\nwith details', profile: { publish: 'pr' } }));
    const { change, publication } = resultOf(events);
    expect(publication).toEqual({ mode: 'pr', branch: 'csc/job-21', pushedAt: expect.any(String) as string, pullRequest: { number: 1, url: 'https://github.com/acme/app/pull/1' } });
    expect(branchAt(env.origin.bare, 'csc/job-21')).toBe(change?.headCommit);

    const [read, open] = env.standIn.requests;
    expect(read).toMatchObject({ method: 'GET', url: '/repos/acme/app' });
    expect(open).toMatchObject({ method: 'POST', url: '/repos/acme/app/pulls', body: { title: 'add a greeting', head: 'csc/job-21', base: 'main' } });
    for (const request of [read, open]) {
      expect(request?.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28', 'user-agent': 'codex-super-client/test' });
    }
    expect((open?.body as { body: string }).body).toBe('Wrote job-21.txt.\n\n1 file changed, +1 −0\n- `job-21.txt` (added, +1 −0)\n\nJob #21');
    expect(env.node.lines.some((line) => line.msg === 'job 21: published csc/job-21')).toBe(true);

    // The credential went to the push alone, as config in its environment.
    const withCredential = env.processes.processes().filter((p) => p.configKey !== '');
    expect(withCredential.map((p) => p.argv)).toEqual([expect.stringMatching(/ push --quiet -- \S+\/acme\/app\.git refs\/heads\/csc\/job-21:refs\/heads\/csc\/job-21$/) as string]);
    expect(withCredential[0]?.configKey).toBe(`http.${env.origin.bare}.extraHeader`);
    expect(withCredential[0]?.configValueSha256).toBe(createHash('sha256').update(`Authorization: Basic ${BASIC}`).digest('hex'));
    expectTokenNowhere(env);
  });

  it.each([
    { what: 'a bad token (401)', github: (apiUrl: string) => ({ token: 'ghp_not-the-right-one', apiUrl }), error: /^GitHub refused to read acme\/app: 401 Bad credentials \(check GITHUB_TOKEN on the node\)$/, pushed: true },
    { what: 'an unknown repository (404)', repoName: 'other', error: /^GitHub refused to read acme\/other: 404 Not Found \(no such repository, or the node's GITHUB_TOKEN cannot see it\)$/, pushed: true },
    { what: 'no token', github: (apiUrl: string) => ({ apiUrl }), error: /^this node has no GitHub credential, so it cannot open a pull request for csc\/job-\d+: set GITHUB_TOKEN/, pushed: true },
    { what: 'a refused push', refuse: true, error: /^could not push csc\/job-\d+ to \S+app\.git: remote: protected branch: pushes are refused here\n.*\(pre-receive hook declined\)/s, pushed: false },
  ])('fails with a clear error and keeps the diff on $what', async ({ github, repoName, refuse, error, pushed }) => {
    const env = await setup({ ...(github === undefined ? {} : { github }), ...(repoName === undefined ? {} : { repoName }) });
    if (refuse === true) refusePushes(env.origin.bare, 'protected branch: pushes are refused here');
    const events = await runJob(env.node.stand, spec({ id: 22, repo: env.origin.bare, profile: { publish: 'pr' } }));
    const { change, publication, status } = resultOf(events);
    expect(status).toBe('succeeded');
    expect(publication?.error).toMatch(error);
    expect(publication?.pullRequest).toBeUndefined();
    expect(publication?.pushedAt !== undefined).toBe(pushed);
    expect(change?.files.map((f) => f.path)).toEqual(['job-22.txt']);
    expect(diffOf(events)).toContain('+written by job 22');
    if (!pushed) expect(env.standIn.requests).toEqual([]);
    expect(env.node.lines.some((line) => line.msg === 'job 22: could not publish csc/job-22')).toBe(true);
    expectTokenNowhere(env);
  });

  it('uses the pull request already open for the branch (422 "already exists")', async () => {
    const env = await setup();
    const existing = env.standIn.openPull('acme/app', 'csc/job-23', 'main');
    const { publication } = resultOf(await runJob(env.node.stand, spec({ id: 23, repo: env.origin.bare, profile: { publish: 'pr' } })));
    expect(publication).toMatchObject({ pullRequest: { number: existing.number, url: existing.html_url } });
    expect(publication?.error).toBeUndefined();
    expect(env.standIn.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /repos/acme/app', 'POST /repos/acme/app/pulls', 'GET /repos/acme/app/pulls?head=acme%3Acsc%2Fjob-23&state=open']);
    expect(env.standIn.pulls).toHaveLength(1);
  });

  it('publishes a finished job afterwards (job_publish), also after a node restart: the branch is in the cache on disk', async () => {
    const env = await setup();
    const { change } = resultOf(await runJob(env.node.stand, spec({ id: 24, repo: env.origin.bare })));
    expect(existsSync(join(env.dir, 'jobs', 'job-24-attempt-1'))).toBe(false);
    expect(branchAt(env.origin.bare, 'csc/job-24')).toBeUndefined();

    const request = { jobId: 24, repo: env.origin.bare, branch: 'csc/job-24', title: 'job 24', body: 'Wrote a file.' };
    const branch = await publishLater(env.node.stand, { ...request, requestId: 'p1', mode: 'branch' });
    expect(branch).toEqual({ mode: 'branch', branch: 'csc/job-24', pushedAt: expect.any(String) as string });
    expect(branchAt(env.origin.bare, 'csc/job-24')).toBe(change?.headCommit);
    expect(env.standIn.requests).toEqual([]);

    await env.node.worker.agent.stop();
    await env.restart();
    const pr = await publishLater(env.node.stand, { ...request, requestId: 'p2', mode: 'pr', base: 'main' });
    expect(pr).toMatchObject({ mode: 'pr', pullRequest: { number: 1 } });
    expect(env.standIn.pulls).toMatchObject([{ title: 'job 24', head: 'csc/job-24', base: 'main', body: 'Wrote a file.' }]);
    expect(env.standIn.requests.map((r) => r.method)).toEqual(['POST']);
    expectTokenNowhere(env);
  });

  it('answers a job_publish of a branch the cache does not have with a clear error', async () => {
    const env = await setup();
    const answer = await publishLater(env.node.stand, { requestId: 'p3', jobId: 99, mode: 'pr', repo: env.origin.bare, branch: 'csc/job-99', title: 't', body: 'b' });
    expect(answer.error).toBe(`this node's cache of ${env.origin.bare} has no branch csc/job-99 (it was never made here, or it was pruned)`);
  });

  it('continues a follow-up on the same branch: a new commit, and the pull request gets it (no second one)', async () => {
    const env = await setup();
    const first = resultOf(await runJob(env.node.stand, spec({ id: 25, repo: env.origin.bare, profile: { publish: 'pr' } })));
    const second = resultOf(await runJob(env.node.stand, spec({ id: 26, repo: env.origin.bare, branch: 'csc/job-25', profile: { publish: 'pr' } })));
    expect(second.change).toMatchObject({ branch: 'csc/job-25', baseCommit: first.change?.headCommit, files: [{ path: 'job-26.txt', status: 'added' }] });
    const head = second.change?.headCommit ?? '';
    expect(git(env.origin.bare, 'rev-parse', `${head}^`).trim()).toBe(first.change?.headCommit);
    expect(branchAt(env.origin.bare, 'csc/job-25')).toBe(head);
    expect(second.publication).toMatchObject({ branch: 'csc/job-25', pullRequest: first.publication?.pullRequest });
    expect(env.standIn.pulls).toHaveLength(1);
  });
});
