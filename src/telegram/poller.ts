import { Api, GrammyError, type Bot } from 'grammy';
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
const MIN_BACKOFF_MS = 100;
/** A long poll Telegram has not answered this long after its own timeout is a dead connection. */
const POLL_GRACE_SEC = 15;
const CONFIRM_TIMEOUT_MS = 5_000;

/**
 * The runbook's long-polling loop on `getUpdates` with our own offset, so that the backlog can be
 * skipped and the offset confirmed on the way out. 409 (another poller) and 401 end it with a clear
 * message; network errors and 5xx, at start too, back off (doubling from `loop_sleep_sec`, at least
 * 100 ms, up to 60 s, or Telegram's `retry_after`) and retry.
 */
export class Poller {
  private readonly abort = new AbortController();
  /**
   * Its own client without the bot's transformers: their auto-retry would retry network errors
   * forever with up to an hour between tries, under this loop's backoff and out of its sight.
   */
  private readonly api: Api;
  private offset = 0;
  private prepared = false;

  /** `apiRoot`: the Bot API root the bot was made with (`TELEGRAM_API_ROOT`); default Telegram's. */
  constructor(
    private readonly bot: Bot,
    private readonly settings: PollingSettings,
    private readonly onUpdate: (update: Update) => void,
    private readonly log: Logger,
    apiRoot?: string,
  ) {
    this.api = new Api(bot.token, { ...(apiRoot === undefined ? {} : { apiRoot }), timeoutSeconds: settings.poll_timeout + POLL_GRACE_SEC });
  }

  /** Polls until `stop()` or a fatal answer. */
  async run(): Promise<PollEnd> {
    const baseMs = Math.max(this.settings.loop_sleep_sec * 1000, MIN_BACKOFF_MS);
    let delay = baseMs;
    while (!this.abort.signal.aborted) {
      try {
        if (!this.prepared) await this.prepare();
        await this.pollOnce();
        delay = baseMs;
      } catch (error) {
        if (this.abort.signal.aborted) break;
        const fatal = fatalMessage(error);
        if (fatal !== undefined) return { reason: 'fatal', message: fatal };
        const wait = Math.max(delay, retryAfterMs(error));
        this.log.warn({ err: (error as Error).message, retryInMs: wait }, 'telegram polling failed; retrying');
        await this.sleep(wait);
        delay = Math.min(wait * 2, MAX_BACKOFF_MS);
      }
    }
    return { reason: 'stopped' };
  }

  /** Ends the current long poll, then confirms the offset so handled updates are not delivered again. */
  async stop(): Promise<void> {
    this.abort.abort();
    if (this.offset === 0) return;
    // Bounded: Ctrl+C must not wait on a network that is down.
    const signal = AbortSignal.timeout(CONFIRM_TIMEOUT_MS) as Parameters<Api['getUpdates']>[1];
    await this.api.getUpdates({ offset: this.offset, limit: 1, timeout: 0 }, signal).catch(() => undefined);
  }

  private async prepare(): Promise<void> {
    this.bot.botInfo = await this.api.getMe(this.signal);
    if (this.settings.delete_webhook_on_start) {
      await this.api.deleteWebhook({ drop_pending_updates: this.settings.drop_pending_updates }, this.signal);
      this.log.info({ dropPendingUpdates: this.settings.drop_pending_updates }, 'webhook deleted');
    }
    if (this.settings.ignore_pending_updates_on_start) {
      const [last] = await this.api.getUpdates({ offset: -1, limit: 1, timeout: 0 }, this.signal);
      if (last) {
        this.offset = last.update_id + 1;
        this.log.info({ skippedUpTo: last.update_id }, 'skipped the updates that piled up while the runner was stopped');
      }
    }
    this.prepared = true;
    this.log.info({ bot: this.bot.botInfo.username }, 'telegram polling started');
  }

  private async pollOnce(): Promise<void> {
    const updates = await this.api.getUpdates({ offset: this.offset, timeout: this.settings.poll_timeout, allowed_updates: ['message', 'callback_query'] }, this.signal);
    for (const update of updates) {
      this.offset = update.update_id + 1;
      this.onUpdate(update);
    }
    if (updates.length === 0 && this.settings.loop_sleep_sec > 0) await this.sleep(this.settings.loop_sleep_sec * 1000);
  }

  /** grammY types its signal with the abort-controller shim; Node's is the same at run time. */
  private get signal(): Parameters<Api['getUpdates']>[1] {
    return this.abort.signal as Parameters<Api['getUpdates']>[1];
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.abort.signal.addEventListener('abort', done);
    });
  }
}

/** Telegram's `retry_after` (a 429), in ms; 0 when it named none. */
function retryAfterMs(error: unknown): number {
  return error instanceof GrammyError ? (error.parameters.retry_after ?? 0) * 1000 : 0;
}

/** The operator's message for an answer that polling cannot get past; undefined for the rest. */
function fatalMessage(error: unknown): string | undefined {
  if (error instanceof GrammyError && error.error_code === 409) {
    return 'Another runner (or a webhook) is taking this bot\'s updates (409 Conflict): stop the other `csc telegram` / bridge on this TELEGRAM_BOT_TOKEN, then start again.';
  }
  if (error instanceof GrammyError && error.error_code === 401) return 'Telegram refused TELEGRAM_BOT_TOKEN (401 Unauthorized): check the token BotFather gave you.';
  return undefined;
}
