import { GrammyError, type Bot, type Context } from 'grammy';
import { botCommands, type IncomingAction } from '../../chat/index.js';
import type { ChatPlatformSettings } from '../../config/index.js';
import type { ResponseFrame } from '../../protocol/index.js';
import { chatErrorCode, reportingFailures } from '../chat-errors.js';
import type { AdapterDeps, PlatformAdapter } from '../platform.js';
import { createLimitedBot } from './limited-bot.js';
import { RateLimiter } from './rate-limiter.js';
import { isForOtherBot, isReadable, toIncoming } from './telegram-incoming.js';
import { TelegramOutput } from './telegram-output.js';

export interface TelegramAdapterOptions {
  /** Least time between two messages to one chat (Telegram: about 1 s). */
  perChatIntervalMs?: number;
  /** Least time between any two messages (Telegram: 30 a second). */
  globalIntervalMs?: number;
  /** First wait after a polling failure; doubles up to a minute. */
  retryBaseMs?: number;
}

/** The languages the bot's command menu is published in; the first is the default list. */
const MENU_LANGUAGES = ['en', 'ko'] as const;

/**
 * Telegram through grammY long polling: private chats, groups and forum topics; texts, photos,
 * documents and voice notes; commands addressed to other bots left to them. Sends are spaced per
 * chat and overall, 429 `retry_after` is waited out (auto-retry), polling failures back off and
 * retry; a refused token stops the platform until the settings change. The command menu is set
 * at start in English (the default) and Korean.
 */
export class TelegramAdapter implements PlatformAdapter {
  readonly platform = 'telegram';
  private bot: Bot | undefined;
  private stopped = false;
  private readonly limiter: RateLimiter;
  /** Whether a markup refusal was logged at warn already: one is enough to show the parse mode is wrong. */
  private plainWarned = false;

  constructor(
    private readonly settings: () => ChatPlatformSettings['telegram'],
    private readonly deps: AdapterDeps,
    private readonly options: TelegramAdapterOptions = {},
  ) {
    this.limiter = new RateLimiter(options.perChatIntervalMs ?? 1000, options.globalIntervalMs ?? 34);
  }

  start(): void {
    this.stopped = false;
    this.poll().catch((error: unknown) => this.deps.log.error({ err: error }, 'telegram polling stopped unexpectedly'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    // Stopping confirms the last update with one more getUpdates, which can meet the poll it just
    // aborted still open on Telegram's side (409); the worst of it is that update coming again.
    await this.bot?.stop().catch((error: unknown) => this.deps.log.debug({ err: (error as Error).message }, 'telegram: the last update was not confirmed at stop'));
  }

  async deliver(response: ResponseFrame): Promise<void> {
    if (!this.bot) throw new Error('telegram is not running');
    await this.output(this.bot).deliver(response);
  }

  private async poll(): Promise<void> {
    let delay = this.options.retryBaseMs ?? 1000;
    while (!this.stopped) {
      const bot = this.createBot();
      this.bot = bot;
      try {
        await bot.start({ allowed_updates: ['message', 'callback_query'], onStart: (me) => this.onStart(bot, me.username) });
        delay = this.options.retryBaseMs ?? 1000;
      } catch (error) {
        this.report(error);
        if (error instanceof GrammyError && error.error_code === 401) {
          this.deps.log.error('telegram refused the bot token (401): fix TELEGRAM_BOT_TOKEN or the dashboard setting');
          return;
        }
        const conflict = error instanceof GrammyError && error.error_code === 409;
        this.deps.log.warn({ err: (error as Error).message, retryInMs: delay }, conflict ? 'another poller uses this bot token (409); retrying' : 'telegram polling failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 60_000);
      }
    }
  }

  private createBot(): Bot {
    const { botToken, apiRoot } = this.settings();
    const bot = createLimitedBot(botToken ?? '', apiRoot, this.limiter);
    bot.on('message', (ctx) => {
      // Stickers, locations, joins and the like are nothing to ask Codex.
      if (!isReadable(ctx.message) || isForOtherBot(ctx)) return;
      // Not awaited: a job waiting for the master must not hold up the other chats' updates.
      this.deps.engine.handle(toIncoming(ctx), this.output(bot)).catch((error: unknown) => this.deps.log.warn({ err: error }, 'telegram message failed'));
    });
    bot.on('callback_query:data', (ctx) => {
      this.deps.engine.handleAction(toAction(ctx), this.output(bot)).catch((error: unknown) => this.deps.log.warn({ err: error }, 'telegram button press failed'));
    });
    bot.catch((error) => this.deps.log.warn({ err: error.error }, 'telegram update failed'));
    return bot;
  }

  private onStart(bot: Bot, username: string): void {
    this.deps.log.info({ bot: username }, 'telegram polling started');
    // Not awaited: the menu is a convenience, polling must not wait for it (nor stop when it fails).
    this.publishCommands(bot).catch((error: unknown) => {
      this.report(error);
      this.deps.log.warn({ err: (error as Error).message }, 'telegram refused the command menu (setMyCommands)');
    });
  }

  /** `setMyCommands` per language: Telegram shows each user the list in their app's language, else the default. */
  private async publishCommands(bot: Bot): Promise<void> {
    for (const [index, language] of MENU_LANGUAGES.entries()) {
      await bot.api.setMyCommands(botCommands(language), index === 0 ? {} : { language_code: language });
    }
  }

  /** Where the engine answers; every call of it that fails is reported to the master. */
  private output(bot: Bot): TelegramOutput {
    const output = new TelegramOutput(bot.api, this.settings().parseMode, (description) => {
      this.deps.log[this.plainWarned ? 'debug' : 'warn']({ description, parseMode: this.settings().parseMode }, 'telegram could not parse a message\'s markup; it went as plain text');
      this.plainWarned = true;
    });
    return reportingFailures(output, this.report);
  }

  private readonly report = (error: unknown): void => this.deps.reportError?.(chatErrorCode(error));
}

/** Telegram's limit on an `answerCallbackQuery` text. */
const CALLBACK_TEXT_LIMIT = 200;

/**
 * A grammY button press in the engine's terms; its reply is the `answerCallbackQuery` Telegram
 * waits for (the presser sees it as a notice), once.
 */
export function toAction(ctx: Context & { callbackQuery: { data: string } }): IncomingAction {
  const query = ctx.callbackQuery;
  const message = query.message;
  const name = query.from.username ?? query.from.first_name;
  const topic = message !== undefined && 'is_topic_message' in message && message.is_topic_message === true ? message.message_thread_id : undefined;
  return {
    platform: 'telegram',
    // A press always comes from a message: an inline-mode one (no chat) is nothing this bot sends.
    chatId: String(message?.chat.id ?? query.from.id),
    ...(topic === undefined ? {} : { threadId: String(topic) }),
    messageId: String(message?.message_id ?? ''),
    userId: String(query.from.id),
    ...(name === undefined ? {} : { userName: name }),
    data: query.data,
    reply: async (text) => {
      await ctx.answerCallbackQuery({ text: text.length > CALLBACK_TEXT_LIMIT ? `${text.slice(0, CALLBACK_TEXT_LIMIT - 1)}…` : text });
    },
  };
}
