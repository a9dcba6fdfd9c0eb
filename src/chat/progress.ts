import type { ChatOutput, SentMessage } from './types.js';

/**
 * One message edited as a job advances: at most one edit per `intervalMs` (the latest text wins),
 * never an edit to the text it already shows (Telegram answers that with "message is not
 * modified"), and edits one at a time, in order.
 */
export class ProgressMessage {
  private shown: string;
  private wanted: string;
  private lastEditAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly output: ChatOutput,
    readonly message: SentMessage,
    initialText: string,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.shown = initialText;
    this.wanted = initialText;
  }

  /** Asks for `text` to be shown, soon. */
  update(text: string): void {
    this.wanted = text;
    if (this.timer) return;
    const wait = Math.max(0, this.lastEditAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  /** Shows `text` now (after any edit in flight) and stops further updates. */
  async finish(text: string): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.wanted = text;
    this.flush();
    await this.chain;
  }

  private flush(): void {
    this.chain = this.chain.then(async () => {
      const text = this.wanted;
      if (text === this.shown) return;
      this.lastEditAt = Date.now();
      try {
        await this.output.edit(this.message, text);
        this.shown = text;
      } catch (error) {
        this.onError(error);
      }
    });
  }
}
