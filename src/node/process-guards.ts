import type { Logger } from '../log/index.js';

/** What the guards need of the process: the real one, or a stand-in in a test. */
export interface GuardedProcess {
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
  on(event: 'uncaughtException', listener: (error: Error) => void): unknown;
  exitCode?: number | string | null | undefined;
  exit(code: number): void;
}

/** How long a log flush may take before the process exits anyway. */
const FLUSH_TIMEOUT_MS = 2000;

/**
 * Process-level handlers for `csc node`. A rejected promise nobody handles is a bug in one code
 * path, not a broken process: it is logged with its error and the node goes on (Node's default
 * would exit and drop every running job). An uncaught exception may have left anything half
 * changed: it is logged as fatal, with its stack, and the node exits with 1 once the log is
 * flushed, so that a supervisor restarts it and the journal delivers what the master has not stored.
 */
export function installProcessGuards(log: Logger, target: GuardedProcess = process): void {
  target.on('unhandledRejection', (reason) => {
    log.error({ err: reason }, 'unhandled promise rejection: the node goes on');
  });
  target.on('uncaughtException', (error) => {
    log.fatal({ err: error }, 'uncaught exception: the node exits so that its supervisor restarts it; its journal delivers what the master has not stored');
    exitOnceFlushed(log, target);
  });
}

function exitOnceFlushed(log: Logger, target: GuardedProcess): void {
  target.exitCode = 1;
  let exited = false;
  const exit = () => {
    if (exited) return;
    exited = true;
    target.exit(1);
  };
  // A flush that never calls back must not keep a broken process alive.
  setTimeout(exit, FLUSH_TIMEOUT_MS).unref();
  log.flush(exit);
}
