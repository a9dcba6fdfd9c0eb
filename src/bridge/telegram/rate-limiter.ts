/**
 * Spaces out sends the way Telegram asks (about one message a second per chat, 30 a second in
 * all) by reserving each call's slot up front, so bursts queue instead of drawing 429s.
 */
export class RateLimiter {
  private nextGlobal = 0;
  private readonly nextPerChat = new Map<string, number>();

  constructor(
    private readonly perChatMs: number,
    private readonly globalMs: number,
  ) {}

  /** Resolves when a message to `chat` may go. */
  async wait(chat: string): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextGlobal, this.nextPerChat.get(chat) ?? 0);
    this.nextGlobal = at + this.globalMs;
    this.nextPerChat.set(chat, at + this.perChatMs);
    if (this.nextPerChat.size > 10_000) this.prune(now);
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }

  private prune(now: number): void {
    for (const [chat, next] of this.nextPerChat) if (next < now) this.nextPerChat.delete(chat);
  }
}
