import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CSC = fileURLToPath(new URL('../bin/csc.js', import.meta.url));

/** A running `csc` child process with its output collected. */
export interface CscProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Waits until stdout or stderr matches, returning the match. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Runs the built CLI (`bin/csc.js`) with a minimal environment, so the developer's settings do not leak in. */
export function runCsc(args: string[], env: Record<string, string> = {}, stdin: 'ignore' | 'pipe' = 'ignore'): CscProcess {
  const child = spawn(process.execPath, [CSC, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', ...env },
    stdio: [stdin, 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  // `close`, not `exit`: it comes once stdout and stderr have ended, so a test reads all of them.
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForOutput(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = pattern.exec(out) ?? pattern.exec(err);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`no ${String(pattern)} in output (exit ${child.exitCode}):\n${out}\n${err}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
  };
}

/** `runCsc` for a test file whose processes must not outlive a test: call `killAll` in `afterEach`. */
export function trackedCsc(): { csc: (args: string[], env?: Record<string, string>) => CscProcess; killAll: () => void } {
  const running: CscProcess[] = [];
  return {
    csc: (args, env) => {
      const proc = runCsc(args, env);
      running.push(proc);
      return proc;
    },
    killAll: () => {
      for (const proc of running.splice(0)) proc.child.kill('SIGKILL');
    },
  };
}
