import { GrammyError, type Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { Logger } from '../log/index.js';

/** `[telegram.polling]` as the poller uses it. */
export interface PollingSettings {
  poll_timeout: number;
  loop_sleep_sec: number;
  delete_webhook_on_start: boolean;
  drop_pending_updates: boolean;
  ignore_pending_updates_on_start: boolean;
}

/** Why polling ended: asked to stop, or Telegram will not let this runner poll. */
export type PollEnd = { reason: 'stopped' } | { reason: 'fatal'; message: string };

const MAX_BACKOFF_MS = 60_000;

/**
 * The runbook's long-polling loop on `getUpdates` with our own offset, so that the backlog can be
 * skipped and the offset confirmed on the way out. 409 (another poller) and 401 end it with a clear
 * message; network errors back off and retry.
 */
export class Poller {
  private readonly abort = new AbortController();
  private offset = 0;

  constructor(
    private readonly bot: Bot,
    private readonly settings: PollingSettings,
    private readonly onUpdate: (update: Update) => void,
    private readonly log: Logger,
  ) {}

  /** Polls until `stop()` or a fatal answer. */
  async run(): Promise<PollEnd> {
    try {
      await this.prepare();
    } catch (error) {
      const fatal = fatalMessage(error);
      if (fatal !== undefined) return { reason: 'fatal', message: fatal };
      throw error;
    }
    return this.loop();
  }

  /** Ends the current long poll, then confirms the offset so handled updates are not delivered again. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (this.offset > 0) await this.bot.api.getUpdates({ offset: this.offset, limit: 1, timeout: 0 }).catch(() => undefined);
  }

  private async prepare(): Promise<void> {
    await this.bot.init();
    if (this.settings.delete_webhook_on_start) await this.bot.api.deleteWebhook({ drop_pending_updates: this.settings.drop_pending_updates });
    if (this.settings.ignore_pending_updates_on_start) {
      const [last] = await this.bot.api.getUpdates({ offset: -1, limit: 1, timeout: 0 });
      if (last) {
        this.offset = last.update_id + 1;
        this.log.info({ skippedUpTo: last.update_id }, 'skipped the updates that piled up while the runner was stopped');
      }
    }
    this.log.info({ bot: this.bot.botInfo.username }, 'telegram polling started');
  }

  private async loop(): Promise<PollEnd> {
    const baseMs = Math.max(this.settings.loop_sleep_sec * 1000, 100);
    let delay = baseMs;
    while (!this.abort.signal.aborted) {
      try {
        const updates = await this.bot.api.getUpdates({ offset: this.offset, timeout: this.settings.poll_timeout, allowed_updates: ['message'] }, this.signal);
        delay = baseMs;
        for (const update of updates) {
          this.offset = update.update_id + 1;
          this.onUpdate(update);
        }
        if (updates.length === 0 && this.settings.loop_sleep_sec > 0) await this.sleep(this.settings.loop_sleep_sec * 1000);
      } catch (error) {
        if (this.abort.signal.aborted) break;
        const fatal = fatalMessage(error);
        if (fatal !== undefined) return { reason: 'fatal', message: fatal };
        this.log.warn({ err: (error as Error).message, retryInMs: delay }, 'telegram polling failed; retrying');
        await this.sleep(delay);
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      }
    }
    return { reason: 'stopped' };
  }

  /** grammY types its signal with the abort-controller shim; Node's is the same at run time. */
  private get signal(): Parameters<Bot['api']['getUpdates']>[1] {
    return this.abort.signal as Parameters<Bot['api']['getUpdates']>[1];
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** The operator's message for an answer that polling cannot get past; undefined for the rest. */
function fatalMessage(error: unknown): string | undefined {
  if (error instanceof GrammyError && error.error_code === 409) {
    return 'Another runner (or a webhook) is taking this bot\'s updates (409 Conflict): stop the other `csc telegram` / bridge on this TELEGRAM_BOT_TOKEN, then start again.';
  }
  if (error instanceof GrammyError && error.error_code === 401) return 'Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized): check the token BotFather gave you.';
  return undefined;
}
