/**
 * Child processes of the bench: the hub under test (the real master or a baseline) and the load
 * generator. Every child is tracked so that it is killed however the bench ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LoadResult, LoadSpec } from './spec.js';
import { sleep } from './stats.js';

export type HubKind = 'master' | 'corked' | 'plain';
export const HUBS: readonly HubKind[] = ['master', 'corked', 'plain'];

export interface RunningHub {
  kind: HubKind;
  url: string;
  token: string | undefined;
  pid: number;
  /** Runs the load generator against this hub; rejects if either process fails. */
  load(spec: LoadSpec): Promise<LoadResult>;
  stop(): Promise<void>;
}

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const BENCH_DIR = fileURLToPath(new URL('./', import.meta.url));
const STARTUP_TIMEOUT_MS = 20_000;
const OUTPUT_TAIL_CHARS = 4000;

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Synchronous, so it also works from an 'exit' handler. */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export interface Child {
  process: ChildProcess;
  /** The last few KB of stdout, then of stderr, for readiness checks and error messages. */
  stdout(): string;
  output(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
}

export function launch(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Child {
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const tails = { stdout: '', stderr: '' };
  child.stdout?.on('data', (chunk: Buffer) => (tails.stdout = (tails.stdout + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS)));
  child.stderr?.on('data', (chunk: Buffer) => (tails.stderr = (tails.stderr + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS)));
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      resolve(code ?? signal ?? 'unknown');
    });
    child.on('error', (error) => resolve(error.message));
  });
  return { process: child, stdout: () => tails.stdout, output: () => `${tails.stdout}${tails.stderr}`, exited };
}

/** Waits until the child's output matches `pattern`; fails if it exits or takes too long first. */
export async function awaitOutput(child: Child, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  const deadline = performance.now() + STARTUP_TIMEOUT_MS;
  let exitedWith: number | string | undefined;
  void child.exited.then((code) => (exitedWith = code));
  for (;;) {
    const match = pattern.exec(child.stdout());
    if (match) return match;
    if (exitedWith !== undefined) throw new Error(`${what} exited (${exitedWith}) before it was ready:\n${child.output()}`);
    if (performance.now() > deadline) throw new Error(`${what} was not ready after ${STARTUP_TIMEOUT_MS} ms:\n${child.output()}`);
    await sleep(20);
  }
}

/** The process environment minus the master's own settings, so a user's MASTER_TOKEN cannot leak in. */
export function masterEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(MASTER|LOG)_/.test(key)));
  return { ...env, MASTER_PING_INTERVAL: '15' };
}

/**
 * Node flags for each master (and bare pipeline) process. BENCH_CPU_PROF=<dir> writes a V8 CPU
 * profile of each run there (on its clean exit), from the start or, with BENCH_CPU_PROF_AFTER_MS,
 * from that many ms after it (bench/profile-after.ts); BENCH_NODE_FLAGS="<flags>" adds Node or V8
 * flags, such as those NODE_OPTIONS refuses (`--max-semi-space-size=32`, `--single-threaded-gc`).
 */
export function pipelineNodeArgs(): string[] {
  const flags = process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [];
  const dir = process.env.BENCH_CPU_PROF;
  if (dir === undefined || dir === '') return flags;
  // Resolved here: the master runs in its temporary data dir, which is deleted afterwards.
  const after = process.env.BENCH_CPU_PROF_AFTER_MS;
  if (after === undefined || after === '') return [...flags, '--cpu-prof', `--cpu-prof-dir=${resolve(dir)}`];
  const preload = pathToFileURL(join(BENCH_DIR, 'profile-after.ts'));
  preload.search = new URLSearchParams({ dir: resolve(dir), after }).toString();
  // tsx by its resolved address: the master's working directory is its data dir, outside the repository.
  return [...flags, '--import', import.meta.resolve('tsx'), '--import', preload.href];
}

/** A fresh master data dir, removed by `removeDataDir` or, whatever happens, by `killChildren`. */
export function makeDataDir(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'csc-bench-'));
  tempDirs.add(dataDir);
  return dataDir;
}

export function removeDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
  tempDirs.delete(dataDir);
}

async function startMaster(): Promise<RunningHub> {
  const dataDir = makeDataDir();
  const cli = [join(ROOT, 'bin', 'csc.js'), 'master', '--port', '0', '--http-port', '0', '--data-dir', dataDir];
  const logging = ['--log-level', 'warn', '--log-format', 'json'];
  // cwd is the fresh data dir so that a developer's .env in the repository cannot change the setup.
  const child = launch([...pipelineNodeArgs(), ...cli, ...logging], { cwd: dataDir, env: masterEnv() });
  const match = await awaitOutput(child, /ws:\/\/127\.0\.0\.1:(\d+)/, 'the master');
  const token = readFileSync(join(dataDir, 'master-token'), 'utf8').trim();
  return hubHandle('master', child, Number(match[1]), token, () => removeDataDir(dataDir));
}

async function startBaseline(kind: 'corked' | 'plain'): Promise<RunningHub> {
  const child = launch(['--import', 'tsx', join(BENCH_DIR, 'baseline-hub.ts'), kind], { cwd: ROOT });
  const match = await awaitOutput(child, /"port":(\d+)/, `the ${kind} baseline`);
  return hubHandle(kind, child, Number(match[1]), undefined, () => undefined);
}

export function startHub(kind: HubKind): Promise<RunningHub> {
  return kind === 'master' ? startMaster() : startBaseline(kind);
}

/** A server under test: `crashed` rejects if it exits before `stop()`; `stop()` ends it and cleans up. */
export function superviseServer(what: string, child: Child, cleanUp: () => void): { crashed: Promise<never>; stop: () => Promise<void> } {
  let stopping = false;
  const crashed = new Promise<never>((_resolve, reject) => {
    void child.exited.then((code) => {
      if (!stopping) reject(new Error(`${what} exited (${code}) during the run:\n${child.output()}`));
    });
  });
  // A crash is reported through the run that races against it; this keeps it from also being an unhandled rejection.
  crashed.catch(() => undefined);
  return {
    crashed,
    stop: async () => {
      stopping = true;
      // SIGTERM first: the master then shuts down cleanly, which also writes a --cpu-prof profile.
      child.process.kill('SIGTERM');
      const code = await Promise.race([child.exited, sleep(5000).then(() => undefined)]);
      if (code === undefined) child.process.kill('SIGKILL');
      await child.exited;
      cleanUp();
    },
  };
}

function hubHandle(kind: HubKind, child: Child, port: number, token: string | undefined, cleanUp: () => void): RunningHub {
  const server = superviseServer(`the ${kind} hub`, child, cleanUp);
  return {
    kind,
    url: `ws://127.0.0.1:${port}`,
    token,
    pid: child.process.pid ?? -1,
    load: (spec) => Promise.race([runScript<LoadResult>('loadgen.ts', spec, 'the load generator'), server.crashed]),
    stop: server.stop,
  };
}

/** Runs a bench script with a JSON spec in argv; its last stdout line is its JSON result. */
export async function runScript<R>(script: string, spec: unknown, what: string): Promise<R> {
  const child = launch(['--import', 'tsx', join(BENCH_DIR, script), JSON.stringify(spec)], { cwd: ROOT });
  const code = await child.exited;
  const line = child.stdout().trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !line.startsWith('{')) throw new Error(`${what} failed (${code}):\n${child.output()}`);
  return JSON.parse(line) as R;
}

/** Runs a bench's main function, killing every child process however it ends; errors exit 1. */
export function runBench(main: () => Promise<void>): void {
  process.on('exit', killChildren);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killChildren();
      process.exit(130);
    });
  }
  main().catch((error: unknown) => {
    console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
    killChildren();
    process.exit(1);
  });
}
