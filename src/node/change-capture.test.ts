import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { childEnvironment } from '../config/index.js';
import type { JobResult, JobSpec } from '../protocol/index.js';
import { cleanCheckout, git, originRepository } from '../test-support/git-fixtures.js';
import { diffOf, resultOf, runJob, startScriptedNode } from '../test-support/scripted-jobs.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { DIFF_PART_BYTES } from './diff-text.js';
import type { Executor } from './executor.js';
import { Workspaces } from './workspaces.js';

const stops: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});
afterAll(removeTempDirs);

/** An executor that edits its workspace with `edit`, as Codex would, and answers `finalMessage`. */
function editor(edit: (cwd: string) => void, finalMessage = 'Done.'): Executor & { cwds: string[] } {
  const cwds: string[] = [];
  return {
    name: 'editor',
    cwds,
    run: (_job, { cwd }) => {
      cwds.push(cwd);
      edit(cwd);
      return Promise.resolve<JobResult>({ status: 'succeeded', finalMessage, filesChanged: [], commands: [], durationMs: 1 });
    },
  };
}

async function node(executor: Executor, workspaces: Workspaces) {
  const started = await startScriptedNode({ executor, workspaces });
  stops.push(() => started.stand.close(), () => started.worker.agent.stop());
  return started;
}

const spec = (overrides: Partial<JobSpec>): JobSpec => ({ id: 1, prompt: 'p', profile: {}, attempt: 1, nextSeq: 1, ...overrides });
const BINARY = Buffer.from([0, 1, 2, 3, 255, 0, 7]);

describe("a job's change", () => {
  it('is a commit on csc/job-<id> by the node, and a diff that applies to the base: binary files named, renames kept', async () => {
    const origin = originRepository({ 'README.md': 'first\n', 'docs/old.md': 'a\nb\nc\nd\ne\n', 'img.bin': BINARY });
    const dir = tempDir();
    const workspaces = new Workspaces({ dir, defaultWorkdir: tempDir(), allowLocalRepos: true, env: childEnvironment(), identity: { name: 'Build Bot', email: 'bot@example.com' } });
    const written: Record<string, string> = { 'README.md': 'first\nsecond\n', 'src/new.ts': 'export const x = 1;\n', 'docs/new.md': 'a\nb\nc\nd\ne\n' };
    const executor = editor((cwd) => {
      writeFileSync(join(cwd, 'README.md'), written['README.md'] ?? '');
      renameSync(join(cwd, 'docs/old.md'), join(cwd, 'docs/new.md'));
      writeFileSync(join(cwd, 'img.bin'), Buffer.from([0, 9, 9, 9]));
      writeFileSync(join(cwd, 'new.bin'), BINARY);
      mkdirSync(join(cwd, 'src'));
      writeFileSync(join(cwd, 'src/new.ts'), written['src/new.ts'] ?? '');
    }, 'Added a file and renamed the notes.');
    const { stand } = await node(executor, workspaces);

    const events = await runJob(stand, spec({ id: 7, repo: origin.bare, prompt: 'tidy the docs\nand more words' }));
    const { change } = resultOf(events);
    const cache = join(dir, 'repos', 'local__app.git');
    expect(change).toMatchObject({ baseCommit: origin.main, branch: 'csc/job-7', truncated: false });
    expect(change?.headCommit).toBe(git(cache, 'rev-parse', 'csc/job-7').trim());
    expect(git(cache, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%P', 'csc/job-7').trim()).toBe(`Build Bot <bot@example.com>|Build Bot <bot@example.com>|${origin.main}`);
    expect(git(cache, 'log', '-1', '--format=%B', 'csc/job-7').trim()).toBe('tidy the docs\n\nAdded a file and renamed the notes.');
    expect(existsSync(executor.cwds[0] ?? '')).toBe(false);

    expect(change?.files).toEqual(
      expect.arrayContaining([
        { path: 'README.md', status: 'modified', added: 1, removed: 0, binary: false },
        { path: 'docs/new.md', oldPath: 'docs/old.md', status: 'renamed', added: 0, removed: 0, binary: false },
        { path: 'img.bin', status: 'modified', added: 0, removed: 0, binary: true },
        { path: 'new.bin', status: 'added', added: 0, removed: 0, binary: true },
        { path: 'src/new.ts', status: 'added', added: 1, removed: 0, binary: false },
      ]),
    );
    expect(change).toMatchObject({ added: 2, removed: 0 });
    expect(change?.files).toHaveLength(5);

    const diff = diffOf(events);
    expect(change?.diffBytes).toBe(Buffer.byteLength(diff));
    expect(diff).toContain('Binary files a/img.bin and b/img.bin differ');
    expect(diff).toContain('rename from docs/old.md\nrename to docs/new.md');
    expect(diff).not.toContain('GIT binary patch');
    const clean = cleanCheckout(origin.bare, origin.main);
    writeFileSync(join(clean, 'job.diff'), diff);
    git(clean, 'apply', '--exclude=*.bin', 'job.diff');
    for (const [path, content] of Object.entries(written)) expect(readFileSync(join(clean, path), 'utf8')).toBe(content);
    expect(existsSync(join(clean, 'docs/old.md'))).toBe(false);
  });

  it('cuts a 6 MiB diff at the cap before the first file that does not fit, in parts of at most 256 KiB, with the stat complete', async () => {
    const origin = originRepository({ 'README.md': 'first\n' });
    const lines = 21_000;
    const big = Array.from({ length: lines }, (_, i) => `line ${i} `.padEnd(99, 'x')).join('\n') + '\n';
    const executor = editor((cwd) => {
      for (const name of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(join(cwd, name), big);
    });
    const { stand } = await node(executor, new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), allowLocalRepos: true, env: childEnvironment() }));

    const events = await runJob(stand, spec({ id: 8, repo: origin.bare }));
    const { change } = resultOf(events);
    expect(change).toMatchObject({ truncated: true, added: 3 * lines, removed: 0 });
    expect(change?.files.map((f) => [f.path, f.added])).toEqual([['a.txt', lines], ['b.txt', lines], ['c.txt', lines]]);
    expect(change?.diffBytes).toBeGreaterThan(6 * 1024 * 1024);

    const parts = events.flatMap((e) => (e.event.kind === 'diff' ? [e.event] : []));
    expect(parts.map((p) => p.part)).toEqual(parts.map((_, i) => i + 1));
    expect(new Set(parts.map((p) => p.parts))).toEqual(new Set([parts.length]));
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify(part.text)) - 2).toBeLessThanOrEqual(DIFF_PART_BYTES);
    expect(events.at(-1)?.event.kind).toBe('finished');

    const diff = diffOf(events);
    expect(Buffer.byteLength(diff)).toBeLessThan(5 * 1024 * 1024 + 1024);
    expect(diff.trimEnd().split('\n').at(-1)).toMatch(/^\[csc: the diff stops here: it is \d+ bytes, more than the 5242880 this node sends \(NODE_DIFF_MAX_BYTES\)/);
    const clean = cleanCheckout(origin.bare, origin.main);
    writeFileSync(join(clean, 'job.diff'), diff);
    git(clean, 'apply', 'job.diff');
    expect(readFileSync(join(clean, 'a.txt'), 'utf8')).toBe(big);
    expect(readFileSync(join(clean, 'b.txt'), 'utf8')).toBe(big);
    expect(existsSync(join(clean, 'c.txt'))).toBe(false);
  });

  it('of a job that failed is committed too, saying how it ended', async () => {
    const origin = originRepository({ 'README.md': 'first\n' });
    const dir = tempDir();
    const failing: Executor = {
      name: 'failing',
      run: (_job, { cwd }) => {
        writeFileSync(join(cwd, 'half.txt'), 'half done\n');
        return Promise.resolve({ status: 'failed', filesChanged: [], commands: [], durationMs: 1, error: 'the tests failed' });
      },
    };
    const { stand } = await node(failing, new Workspaces({ dir, defaultWorkdir: tempDir(), allowLocalRepos: true, env: childEnvironment() }));
    const { change, status } = resultOf(await runJob(stand, spec({ id: 9, repo: origin.bare, prompt: 'make the tests pass' })));
    expect(status).toBe('failed');
    expect(change?.files).toEqual([{ path: 'half.txt', status: 'added', added: 1, removed: 0, binary: false }]);
    expect(git(join(dir, 'repos', 'local__app.git'), 'log', '-1', '--format=%B', 'csc/job-9').trim()).toBe('make the tests pass\n\nThe job ended failed: the tests failed.');
  });
});

describe('a job without a repository', () => {
  it('in a git checkout records its uncommitted change, untracked files as additions, and commits nothing', async () => {
    const origin = originRepository({ 'README.md': 'first\n', 'docs/old.md': 'a\nb\nc\nd\ne\n' });
    const workdir = cleanCheckout(origin.bare, 'main');
    const executor = editor((cwd) => {
      writeFileSync(join(cwd, 'README.md'), 'first\nedited\n');
      writeFileSync(join(cwd, 'untracked.txt'), 'new\n');
      renameSync(join(cwd, 'docs/old.md'), join(cwd, 'docs/moved.md'));
    });
    const { stand } = await node(executor, new Workspaces({ dir: tempDir(), defaultWorkdir: workdir, env: childEnvironment() }));
    const status = () => git(workdir, 'status', '--porcelain');

    const events = await runJob(stand, spec({ id: 10 }));
    const { change } = resultOf(events);
    expect(change).toEqual({
      baseCommit: origin.main,
      files: [
        { path: 'README.md', status: 'modified', added: 1, removed: 0, binary: false },
        { path: 'docs/moved.md', oldPath: 'docs/old.md', status: 'renamed', added: 0, removed: 0, binary: false },
        { path: 'untracked.txt', status: 'added', added: 1, removed: 0, binary: false },
      ],
      added: 2,
      removed: 0,
      diffBytes: Buffer.byteLength(diffOf(events)),
      truncated: false,
    });
    expect(git(workdir, 'rev-parse', 'HEAD').trim()).toBe(origin.main);
    expect(status()).toBe(' M README.md\n D docs/old.md\n?? docs/moved.md\n?? untracked.txt\n');
    const clean = cleanCheckout(origin.bare, origin.main);
    writeFileSync(join(clean, '..', 'job.diff'), diffOf(events));
    git(clean, 'apply', join(clean, '..', 'job.diff'));
    expect(readFileSync(join(clean, 'untracked.txt'), 'utf8')).toBe('new\n');
    expect(readFileSync(join(clean, 'docs/moved.md'), 'utf8')).toBe('a\nb\nc\nd\ne\n');
  });

  it('outside any git checkout has no change', async () => {
    const { stand } = await node(editor((cwd) => writeFileSync(join(cwd, 'x.txt'), 'x\n')), new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), env: childEnvironment() }));
    const events = await runJob(stand, spec({ id: 11 }));
    expect(resultOf(events).change).toBeUndefined();
    expect(events.map((e) => e.event.kind)).toEqual(['started', 'finished']);
  });
});
