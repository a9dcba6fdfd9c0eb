import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from './temp-dir.js';

/** Runs git in `cwd` as a test user; returns stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=Test', '-c', 'init.defaultBranch=main', ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** A bare repository standing in for GitHub's `owner/name`, and the working copy that made it. */
export interface Origin {
  /** `…/owner/name.git`: the PR API's `owner/name` are its last two segments. */
  bare: string;
  source: string;
  /** The commit `main` is at. */
  main: string;
}

/**
 * A bare repository at `<temp>/<owner>/<name>.git` with one commit on `main`: the files given
 * (path → content), pushed from a working copy that stays its `origin` remote.
 */
export function originRepository(files: Record<string, string | Buffer>, owner = 'acme', name = 'app'): Origin {
  const source = tempDir('csc-origin-src-');
  git(source, 'init', '--quiet', '-b', 'main');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(source, path)), { recursive: true });
    writeFileSync(join(source, path), content);
  }
  git(source, 'add', '-A');
  git(source, 'commit', '--quiet', '-m', 'first');
  const bare = join(tempDir('csc-origin-'), owner, `${name}.git`);
  mkdirSync(dirname(bare), { recursive: true });
  git(source, 'clone', '--quiet', '--bare', source, bare);
  git(source, 'remote', 'add', 'origin', bare);
  return { bare, source, main: git(source, 'rev-parse', 'HEAD').trim() };
}

/** Makes `bare` refuse every push, as a protected branch would, with `message` on stderr. */
export function refusePushes(bare: string, message: string): void {
  const hook = join(bare, 'hooks', 'pre-receive');
  writeFileSync(hook, `#!/bin/sh\necho ${JSON.stringify(message)} >&2\nexit 1\n`);
  chmodSync(hook, 0o755);
}

/** A fresh clone of `bare` at `commit`, for applying a diff to. */
export function cleanCheckout(bare: string, commit: string): string {
  const dir = tempDir('csc-clean-');
  git(dir, 'clone', '--quiet', bare, '.');
  git(dir, 'checkout', '--quiet', '--detach', commit);
  return dir;
}

/** One git process: its arguments, and the config key git read from its environment, if any. */
export interface GitProcess {
  argv: string;
  /** `GIT_CONFIG_KEY_0`, empty when unset. */
  configKey: string;
  /** SHA-256 (hex) of `GIT_CONFIG_VALUE_0`, so that a test checks the value without it being written anywhere. */
  configValueSha256: string;
}

/** Records every git process started with `PATH` from here. */
export interface GitProcessLog {
  /** A PATH whose first directory holds a `git` that logs itself, then runs the real one. */
  path: string;
  processes(): GitProcess[];
}

export function gitProcessLog(): GitProcessLog {
  const dir = tempDir('csc-git-shim-');
  const log = join(dir, 'processes.log');
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  writeFileSync(log, '');
  const shim = [
    '#!/bin/sh',
    'sum=$(printf %s "${GIT_CONFIG_VALUE_0:-}" | sha256sum | cut -d" " -f1)',
    `printf '%s\\t%s\\t%s\\n' "\${GIT_CONFIG_KEY_0:-}" "$sum" "$*" >> ${JSON.stringify(log)}`,
    `exec ${JSON.stringify(real)} "$@"`,
    '',
  ].join('\n');
  writeFileSync(join(dir, 'git'), shim);
  chmodSync(join(dir, 'git'), 0o755);
  return {
    path: `${dir}:${process.env.PATH ?? ''}`,
    processes: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => {
          const [configKey = '', configValueSha256 = '', ...argv] = line.split('\t');
          return { configKey, configValueSha256, argv: argv.join('\t') };
        }),
  };
}
