import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

/** A real repository with a base commit, a head commit on top, and `git diff -M base head` between them. */
export interface GitChange {
  dir: string;
  base: string;
  head: string;
  /** What a node sends as its `diff` events: `git diff -M base head` (binary files named, not inlined). */
  diff: string;
}

/** Runs git in `dir` with a fixed identity and no user or system configuration. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com',
    },
  });
}

const lines = (from: number, to: number, word = 'line') => Array.from({ length: to - from + 1 }, (_, i) => `${word} ${from + i}`).join('\n');

/**
 * Every kind of change a job can leave: an edit in two places, a new file, a deleted one, a
 * renamed-and-edited one, a binary file, a file losing its last newline, a mode change, a path
 * with a space and one with non-ASCII letters, and a removed line that reads `-- x`.
 */
export function everyKindOfChange(): GitChange {
  const dir = tempDir('csc-git-change-');
  git(dir, 'init', '-q', '-b', 'main');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'edit.txt'), `${lines(1, 40)}\n`);
  writeFileSync(join(dir, 'gone.txt'), 'soon removed\n');
  writeFileSync(join(dir, 'old name.txt'), `${lines(1, 20, 'kept')}\n`);
  writeFileSync(join(dir, 'logo.bin'), Buffer.from([0, 1, 2, 3, 255, 0, 7]));
  writeFileSync(join(dir, 'tail.txt'), 'one\ntwo\n');
  writeFileSync(join(dir, 'run.sh'), 'echo hi\n');
  writeFileSync(join(dir, 'query.sql'), 'select 1;\n-- x\nselect 2;\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  const base = git(dir, 'rev-parse', 'HEAD').trim();

  writeFileSync(join(dir, 'src', 'edit.txt'), `line 0\n${lines(1, 19)}\nline twenty\n${lines(21, 40)}\nline 41\n`);
  writeFileSync(join(dir, 'src', 'new.ts'), 'export const answer = 42;\n');
  rmSync(join(dir, 'gone.txt'));
  renameSync(join(dir, 'old name.txt'), join(dir, 'new name.txt'));
  writeFileSync(join(dir, 'new name.txt'), `${lines(1, 19, 'kept')}\nkept twenty\n`);
  writeFileSync(join(dir, 'logo.bin'), Buffer.from([0, 9, 9, 9, 255, 0, 7, 8]));
  writeFileSync(join(dir, 'tail.txt'), 'one\ntwo\nthree');
  chmodSync(join(dir, 'run.sh'), 0o755);
  writeFileSync(join(dir, 'café.md'), '# Menu\n');
  writeFileSync(join(dir, 'query.sql'), 'select 1;\nselect 2;\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'head');
  const head = git(dir, 'rev-parse', 'HEAD').trim();
  return { dir, base, head, diff: git(dir, 'diff', '-M', base, head) };
}

/**
 * A fresh checkout of `change.base` with `diff` applied by `git apply --index`: returns the paths
 * that still differ from `change.head`. A binary file is only named in the diff (not inlined), so
 * `git apply` cannot write it: leave it out with `exclude`, and it is the one path left.
 */
export function applyToBase(change: GitChange, diff: string, exclude: string[] = []): string[] {
  const clone = tempDir('csc-git-apply-');
  git(clone, 'clone', '-q', change.dir, '.');
  git(clone, 'checkout', '-q', change.base);
  const patch = join(tempDir('csc-git-patch-'), 'change.diff');
  writeFileSync(patch, diff);
  git(clone, 'apply', '--index', ...exclude.map((path) => `--exclude=${path}`), patch);
  return git(clone, 'diff', '--cached', '--name-only', '-z', change.head)
    .split('\0')
    .filter((path) => path !== '');
}
