import { ConfigError } from '../config/index.js';
import { ApiClientError } from './api-client.js';

/** Exit codes: 1 for a runtime failure, 2 for a configuration the user must fix. */
export const EXIT = { failure: 1, badConfig: 2 } as const;

/** Prints a failure the way a person can act on it, without a stack trace for expected errors. */
export function reportFatal(error: unknown): number {
  if (error instanceof ConfigError) {
    process.stderr.write(`csc: configuration error: ${error.message}\n`);
    return EXIT.badConfig;
  }
  if (error instanceof ApiClientError) {
    process.stderr.write(`csc: ${error.code}: ${error.message}\n`);
    return EXIT.failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`csc: ${message}\n`);
  if (error instanceof Error && !('code' in error) && error.name === 'Error') process.stderr.write(`${error.stack ?? ''}\n`);
  return EXIT.failure;
}

/**
 * Runs `stop` on the first SIGINT/SIGTERM and exits when it finishes; a second signal exits at
 * once, for when a graceful stop hangs.
 */
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(EXIT.failure);
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (error: unknown) => process.exit(reportFatal(error)),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
