import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/master/store/index.js';
import { ChangeNode, changeSummary, openedPullRequest } from '../src/test-support/change-node.js';
import { everyKindOfChange } from '../src/test-support/git-change.js';
import { removeTempDirs } from '../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { trackedCsc, type CscProcess } from './cli-process.js';

const { csc, killAll } = trackedCsc();
const CSC = fileURLToPath(new URL('../bin/csc.js', import.meta.url));
const ESC = '\x1b[';
const plain = (text: string) => text.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');

let master: TestMaster;
let node: ChangeNode;
const change = everyKindOfChange();
beforeEach(async () => {
  master = await startTestMaster();
  node = await ChangeNode.connect(master, 'builder');
});
afterEach(async () => {
  killAll();
  node.close();
  await master.close();
});
afterAll(removeTempDirs);

const connection = () => ['--url', master.httpUrl, '--token', master.adminToken.value];

async function finishedJob(): Promise<number> {
  await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'tidy up', repo: 'acme/app' }) });
  const spec = await node.assigned();
  await node.finish(spec, change.diff, { change: changeSummary(spec.id, { files: [{ path: 'src/edit.txt', status: 'modified', added: 3, removed: 1, binary: false }, { path: 'logo.bin', status: 'modified', added: 0, removed: 0, binary: true }] }) });
  return spec.id;
}

/** The exit code once the process has exited and its output has been read to the end ('exit' can come first). */
async function finished(proc: CscProcess): Promise<number | null> {
  const code = await proc.exited;
  const streams = [proc.child.stdout, proc.child.stderr].filter((s) => s !== null && !s.readableEnded);
  await Promise.all(streams.map((s) => new Promise((resolve) => s?.once('end', resolve))));
  return code;
}

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = csc([...args, ...connection()], env);
  const code = await finished(proc);
  return { code, stdout: proc.stdout(), stderr: proc.stderr() };
}

/** Runs csc under a pseudo-terminal (`script`), as in a person's shell; returns what the terminal showed. */
async function onTerminal(args: string[], env: Record<string, string> = {}): Promise<string> {
  const command = [process.execPath, CSC, ...args, ...connection()].map((a) => `'${a}'`).join(' ');
  const tty = spawn('script', ['-qfec', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', TERM: 'xterm', ...env } });
  let out = '';
  tty.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  // 'close', not 'exit': only then has all of the terminal's output been read.
  await new Promise((resolve) => tty.on('close', resolve));
  return out.replace(/\r\n/g, '\n');
}

describe('csc job diff', () => {
  it('prints the diff exactly as stored when piped', async () => {
    const id = await finishedJob();
    const { code, stdout } = await run(['job', 'diff', String(id)]);
    expect(code).toBe(0);
    expect(stdout).toBe(change.diff);
    expect(stdout).not.toContain(ESC);
  });

  it('colours additions green, removals red and hunk headers cyan with FORCE_COLOR=1, and on a terminal', async () => {
    const id = await finishedJob();
    const forced = (await run(['job', 'diff', String(id)], { FORCE_COLOR: '1' })).stdout;
    expect(forced).toContain(`${ESC}32m+line 0${ESC}m`);
    expect(forced).toContain(`${ESC}31m-line 20${ESC}m`);
    expect(forced).toContain(`${ESC}36m@@ -17,7 +18,7 @@ line 16${ESC}m`);
    // A removed "-- x" is a removal, not a file header.
    expect(forced).toContain(`${ESC}31m--- x${ESC}m`);
    expect(forced).toContain(`${ESC}1mdiff --git a/src/edit.txt b/src/edit.txt${ESC}m`);
    expect(plain(forced)).toBe(change.diff);

    const terminal = await onTerminal(['job', 'diff', String(id)]);
    expect(terminal).toContain(`${ESC}32m+line 0${ESC}m`);
    expect(plain(terminal)).toBe(change.diff);
    expect(await onTerminal(['job', 'diff', String(id)], { NO_COLOR: '1' })).toBe(change.diff);
  });

  it('prints only the stat with --stat, and the error for a job without a diff', async () => {
    const id = await finishedJob();
    const { stdout } = await run(['job', 'diff', String(id), '--stat']);
    expect(stdout).toBe([' src/edit.txt | 4 +++-', ' logo.bin     | Bin', ' 2 files changed, 3 insertions(+), 1 deletion(-)', ''].join('\n'));
    const missing = await run(['job', 'diff', '99']);
    expect([missing.code, missing.stderr]).toEqual([1, 'csc: not_found: no job 99\n']);
  });
});

describe('csc job publish and csc job run --pr', () => {
  it("prints the pull request's URL, or the error and exits 1", async () => {
    const id = await finishedJob();
    const publishing = csc(['job', 'publish', String(id), ...connection()]);
    const request = await node.publishRequest(10_000);
    expect(request.mode).toBe('pr');
    node.answer(request, openedPullRequest(request, 3));
    expect(await finished(publishing)).toBe(0);
    expect(publishing.stdout()).toBe('https://github.com/acme/app/pull/3\n');

    const branch = csc(['job', 'publish', String(id), '--branch', ...connection()]);
    const refused = await node.publishRequest(10_000);
    expect(refused.mode).toBe('branch');
    node.answer(refused, { mode: 'branch', branch: refused.branch, error: 'git push was refused: remote rejected' });
    expect(await finished(branch)).toBe(1);
    expect(branch.stderr()).toBe(`csc: publishing job ${id} failed: git push was refused: remote rejected\n`);
  });

  it('queues a job that publishes when it ends', async () => {
    expect((await run(['job', 'run', 'ship it', '--repo', 'acme/app', '--pr', '--no-follow'])).code).toBe(0);
    expect((await run(['job', 'run', 'push it', '--repo', 'acme/app', '--publish', 'branch', '--no-follow'])).code).toBe(0);
    const { jobs } = (await (await master.api('/api/jobs')).json()) as { jobs: JobRecord[] };
    expect(jobs.map((j) => j.profile.publish)).toEqual(['branch', 'pr']);
    expect((await run(['job', 'run', 'x', '--publish', 'tag', '--no-follow'])).stderr).toContain("Allowed choices are branch, pr");
  });
});
