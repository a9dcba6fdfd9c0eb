import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { childEnvironment } from '../config/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import { Backoff, Workspaces, createNodeWorker, type Executor, type NodeWorker } from '../node/index.js';
import type { StreamRun } from './stream-executor.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait.js';

export interface FaultNodeOptions {
  name: string;
  executor: Executor;
  slots?: number;
  tags?: string[];
  journalDir?: string;
  /** Where jobs run (none has a repository, so nothing is created there); a fresh temp dir by default. */
  workDir?: string;
  log?: Logger;
}

/**
 * Reconnect backoff of fault nodes: 25 ms doubling to 1 s. The default (500 ms to 30 s) would make
 * every recovery figure a figure of the backoff, and a test of many faults slow.
 */
function faultBackoff(): Backoff {
  return new Backoff(25, 1000);
}

/** A real node worker in this process with a fast reconnect, started; stop it with `worker.agent.stop()`. */
export function startFaultNode(url: string, token: string, options: FaultNodeOptions): NodeWorker {
  const worker = createNodeWorker(
    {
      urls: [url],
      name: options.name,
      nodeId: `node-${options.name}-fault`,
      tags: options.tags ?? [],
      version: 'fault-test',
      slots: options.slots ?? 1,
      executor: options.executor,
      journalDir: options.journalDir ?? tempDir('csc-fault-journal-'),
      workspaces: new Workspaces({ dir: options.workDir ?? tempDir(), defaultWorkdir: options.workDir ?? tempDir(), env: childEnvironment() }),
      token: () => token,
      tokenHint: '',
      backoff: faultBackoff(),
    },
    options.log ?? silentLogger(),
  );
  worker.agent.start();
  return worker;
}

/** A fault node in a child process (`fault-node-main.ts` under tsx): for faults that are about processes. */
export interface FaultNodeProcess {
  child: ChildProcess;
  /** Every run its `StreamExecutor` reported, latest state per job and attempt. */
  runs(): StreamRun[];
  /** What it wrote to stderr (its warn-level log), for failure messages. */
  stderr(): string;
  /** Waits until the run of `jobId` / `attempt` matches `done`. */
  waitForRun(jobId: number, attempt: number, done: (run: StreamRun) => boolean, what: string, timeoutMs: number): Promise<StreamRun>;
}

const MAIN = fileURLToPath(new URL('./fault-node-main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Starts `fault-node-main.ts` as a process: a real node worker with a `StreamExecutor`, connected to `url`. */
export function spawnFaultNode(url: string, token: string, options: { name: string; journalDir: string; tags?: string[] }): FaultNodeProcess {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/',
    FAULT_NODE_URL: url,
    FAULT_NODE_TOKEN: token,
    FAULT_NODE_NAME: options.name,
    FAULT_NODE_JOURNAL: options.journalDir,
    FAULT_NODE_TAGS: (options.tags ?? []).join(','),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const runs = new Map<string, StreamRun>();
  let partial = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines.filter((l) => l.startsWith('{'))) {
      const run = JSON.parse(line) as StreamRun;
      runs.set(`${run.jobId}/${run.attempt}`, run);
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-20_000)));
  return {
    child,
    runs: () => [...runs.values()],
    stderr: () => stderr,
    waitForRun: (jobId, attempt, done, what, timeoutMs) =>
      waitFor(
        () => {
          const run = runs.get(`${jobId}/${attempt}`);
          return run && done(run) ? run : undefined;
        },
        what,
        timeoutMs,
      ),
  };
}
