/**
 * One line of sends per chat thread. A reply split into parts is sent part by part, each awaited;
 * without a line, the next request's first message (sent meanwhile by another handler) could land
 * between two parts of an answer. Tasks of one key run one after another, in the order they came;
 * a failed task does not hold up the next.
 */
export class SendQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `task` once every earlier task of `key` has settled; resolves or rejects as it does. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const before = this.tails.get(key) ?? Promise.resolve();
    const result = before.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    // Forgotten once idle, so that a bridge serving many chats keeps no line per chat forever.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
