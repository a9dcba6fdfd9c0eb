import { execFile, execFileSync } from 'node:child_process';
import { accessSync, chownSync, constants, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where Debian's `postgresql` packages put each major version's server binaries (`15/bin`). */
export const POSTGRES_ROOT = '/usr/lib/postgresql';
const INSTALL_HINT = 'install them: apt-get update && apt-get install -y postgresql';
/** PostgreSQL refuses to run as root; as root its binaries run as Debian's `postgres` user. */
const SERVER_USER = 'postgres';
const RUNUSER = '/usr/sbin/runuser';
/** The binaries' environment: fixed, so that a developer's PGDATA, PGPORT or locale cannot leak in. */
const BIN_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C', LC_ALL: 'C', TZ: 'UTC' };

/** PostgreSQL's server binaries are not installed (or not where they were looked for). */
export class PostgresMissingError extends Error {
  override readonly name = 'PostgresMissingError';
  constructor(where: string) {
    super(`PostgreSQL's server binaries are missing (${where}); ${INSTALL_HINT}`);
  }
}

/** A PostgreSQL binary failed: its command line and stderr, the child's error as `cause`. */
export class PostgresCommandError extends Error {
  override readonly name = 'PostgresCommandError';
  constructor(command: string, detail: string, options?: { cause?: unknown }) {
    super(`${command} failed: ${detail}`, options);
  }
}

/** The newest `<POSTGRES_ROOT>/<major>/bin` that has an executable `initdb`, if any. */
export function findPostgresBin(root = POSTGRES_ROOT): string | undefined {
  let majors: string[];
  try {
    majors = readdirSync(root).filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  for (const major of majors.sort((a, b) => Number(b) - Number(a))) {
    const bin = join(root, major, 'bin');
    if (isExecutable(join(bin, 'initdb'))) return bin;
  }
  return undefined;
}

/** Throws `PostgresMissingError` unless `bin` holds the binaries a private server needs. */
export function checkPostgresBin(bin: string): void {
  for (const name of ['initdb', 'pg_ctl', 'postgres']) {
    if (!isExecutable(join(bin, name))) throw new PostgresMissingError(join(bin, name));
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether process `pid` still runs: a zombie does not (it holds no port and no file, and waits
 * only for its reaper, which here is init, not us). Reads Linux's /proc.
 */
export function processRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // `pid (comm) state …`: comm may hold anything, so the state is what follows the last `)`.
  return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
}

function asRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The program and arguments that run `bin/name` as a user PostgreSQL accepts. */
function commandLine(bin: string, name: string, args: string[]): [string, string[]] {
  const program = join(bin, name);
  return asRoot() ? [RUNUSER, ['-u', SERVER_USER, '--', program, ...args]] : [program, args];
}

/** Makes `dir` the server user's, so that `initdb` and the server can write into it (only as root). */
export function giveToServerUser(dir: string): void {
  if (!asRoot()) return;
  const uid = Number(execFileSync('id', ['-u', SERVER_USER], { encoding: 'utf8', env: BIN_ENV }).trim());
  const gid = Number(execFileSync('id', ['-g', SERVER_USER], { encoding: 'utf8', env: BIN_ENV }).trim());
  chownSync(dir, uid, gid);
}

/** Runs `bin/name args` in `cwd` (one the server user can enter); resolves with stdout. */
export async function runPostgresBin(bin: string, name: string, args: string[], cwd: string): Promise<string> {
  const [program, argv] = commandLine(bin, name, args);
  try {
    const { stdout } = await run(program, argv, { cwd, env: BIN_ENV, encoding: 'utf8' });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    const detail = (stderr?.trim() || stdout?.trim() || (error as Error).message).slice(-4000);
    throw new PostgresCommandError(`${name} ${args.join(' ')}`, detail, { cause: error });
  }
}

/** `runPostgresBin`, synchronously: for the exit handler, where nothing asynchronous runs any more. */
export function runPostgresBinSync(bin: string, name: string, args: string[], cwd: string): void {
  const [program, argv] = commandLine(bin, name, args);
  execFileSync(program, argv, { cwd, env: BIN_ENV, stdio: 'ignore' });
}
