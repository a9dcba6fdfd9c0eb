/**
 * Work run one piece at a time, each once the one before has settled: a service's reads of its
 * configuration and its own writes of it, so that a read never undoes a write it did not see, and
 * a write starts from what the read before it found. A piece that fails is its caller's to hear
 * of; the next one runs all the same.
 */
export class OneAtATime {
  private last: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const running = this.last.then(work);
    this.last = running.catch(() => undefined);
    return running;
  }
}
