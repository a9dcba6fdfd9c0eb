import type { Logger } from '../../log/index.js';

/** After the first failure in a row, how many more pass between two warnings (one a minute at one run a second). */
const WARN_EVERY = 60;

/**
 * An asynchronous chore (read the members, take the requests, reload the nodes) run one at a time:
 * a trigger while it runs asks for one more run after it, so none is lost and none overlaps. A
 * failure is logged, never thrown: the next trigger (at worst the next fallback check) retries.
 * While the store stays unreachable it warns once, then every `WARN_EVERY` failures, and says
 * when it works again.
 */
export class SerialTask {
  private running: Promise<void> | undefined;
  private again = false;
  private failures = 0;

  constructor(
    private readonly what: string,
    private readonly task: () => Promise<void>,
    private readonly log: Logger,
  ) {}

  /** Runs the chore (or once more after the current run); resolves when that run is over. */
  run(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    const running = this.loop().finally(() => {
      this.running = undefined;
    });
    this.running = running;
    return running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.task();
        this.succeeded();
      } catch (error) {
        this.failed(error);
      }
    } while (this.again);
  }

  private succeeded(): void {
    if (this.failures > 0) this.log.info({ failures: this.failures }, `fleet: could ${this.what} again`);
    this.failures = 0;
  }

  private failed(error: unknown): void {
    this.failures += 1;
    if (this.failures % WARN_EVERY === 1) this.log.warn({ err: error, failures: this.failures }, `fleet: could not ${this.what}; retrying`);
    else this.log.debug({ err: error, failures: this.failures }, `fleet: could not ${this.what}`);
  }
}
