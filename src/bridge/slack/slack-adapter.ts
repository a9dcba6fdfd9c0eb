import { App, LogLevel, type Logger as BoltLogger, type RespondFn, type SlashCommand } from '@slack/bolt';
import { slackMarkup, type IncomingAction, type IncomingMessage } from '../../chat/index.js';
import type { ChatPlatformSettings } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import type { ResponseFrame } from '../../protocol/index.js';
import { chatErrorCode, reportingFailures } from '../chat-errors.js';
import type { AdapterDeps, PlatformAdapter } from '../platform.js';
import { incomingFiles, SlackLocales, type SlackFileObject } from './slack-incoming.js';
import { ANSWER_ACTION_PREFIX, SlackOutput } from './slack-output.js';

export interface SlackAdapterOptions {
  /** Web API retries on connection errors (the client's default retries for half an hour). */
  retries?: number;
  /** First wait after a failed start; doubles up to a minute. */
  retryBaseMs?: number;
}

/** The fields of a Slack `message` / `app_mention` event the bridge reads. */
interface SlackEvent {
  type: string;
  subtype?: string;
  bot_id?: string;
  user?: string;
  channel?: string;
  channel_type?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  files?: SlackFileObject[];
}

/** The slash command the bot answers: `/codex <request or command>`. */
export const SLASH_COMMAND = '/codex';

/** The fields of a `block_actions` payload the bridge reads: who pressed, and under which message. */
interface SlackActionBody {
  user: { id: string; name?: string; username?: string };
  channel?: { id: string };
  container?: { channel_id?: string; message_ts?: string; thread_ts?: string };
  message?: { ts?: string; thread_ts?: string };
}

/** The pressed element of a `block_actions` payload. */
interface SlackPressed {
  type: string;
  value?: string;
}

const SEEN_LIMIT = 2000;

/**
 * Slack through Bolt in Socket Mode: DMs, @mentions in channels, replies in threads the bot
 * already answers in (files shared with them included), `/codex` (a thread of its own), and
 * presses of its question buttons (`block_actions` in `interactive` envelopes). An @mention
 * arrives twice (`message` and `app_mention`): handled once. Its own and other bots' messages
 * are ignored. Each user's language is their Slack locale.
 */
export class SlackAdapter implements PlatformAdapter {
  readonly platform = 'slack';
  private app: App | undefined;
  private output: SlackOutput | undefined;
  private botUserId: string | undefined;
  private stopped = false;
  private readonly seen = new Set<string>();
  private readonly threads = new Set<string>();
  private readonly locales: SlackLocales;
  /** Per thread, the last message's locale lookup: the next one is handed over after it. */
  private readonly lookups = new Map<string, Promise<void>>();
  /** Whether a form refusal was logged at warn already: one shows the problem, the rest would be noise. */
  private plainWarned = false;

  constructor(
    private readonly settings: () => ChatPlatformSettings['slack'],
    private readonly deps: AdapterDeps,
    private readonly options: SlackAdapterOptions = {},
  ) {
    this.locales = new SlackLocales(() => this.app?.client, deps.log);
  }

  start(): void {
    this.stopped = false;
    this.run().catch((error: unknown) => this.deps.log.error({ err: error }, 'slack stopped unexpectedly'));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.app?.stop();
  }

  async deliver(response: ResponseFrame): Promise<void> {
    if (!this.output) throw new Error('slack is not running');
    await this.output.deliver(response, this.settings().defaultChannel);
  }

  private async run(): Promise<void> {
    let delay = this.options.retryBaseMs ?? 1000;
    while (!this.stopped) {
      const app = this.createApp();
      try {
        await app.start();
        this.app = app;
        const auth = await app.client.auth.test();
        this.botUserId = auth.user_id;
        // Every call of it that fails is reported to the master.
        this.output = reportingFailures(new SlackOutput(app.client, (error) => this.onPlainFallback(error)), this.report);
        this.deps.log.info({ bot: auth.user }, 'slack socket mode connected');
        return;
      } catch (error) {
        this.report(error);
        await app.stop().catch(() => undefined);
        this.deps.log.warn({ err: (error as Error).message, retryInMs: delay }, 'slack failed to start; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, 60_000);
      }
    }
  }

  private createApp(): App {
    const { botToken, appToken, apiUrl } = this.settings();
    const app = new App({
      token: botToken ?? '',
      appToken: appToken ?? '',
      socketMode: true,
      logger: boltLogger(this.deps.log),
      logLevel: LogLevel.WARN,
      clientOptions: { slackApiUrl: apiUrl, retryConfig: { retries: this.options.retries ?? 3 } },
    });
    app.message(async ({ message }) => this.onEvent(message as unknown as SlackEvent));
    app.event('app_mention', async ({ event }) => this.onEvent(event as unknown as SlackEvent));
    app.command(SLASH_COMMAND, async ({ ack, command, respond }) => {
      // At once, like a button press: Slack tells the user the command failed after 3 s.
      await ack();
      await this.onSlashCommand(command, respond);
    });
    app.action(new RegExp(`^${ANSWER_ACTION_PREFIX}`), async ({ ack, body, action }) => {
      // At once: Slack shows the presser an error when the envelope is not acknowledged within 3 s.
      await ack();
      this.onAction(body, action);
    });
    app.error((error) => {
      this.deps.log.warn({ err: error.message }, 'slack event failed');
      return Promise.resolve();
    });
    return app;
  }

  private onEvent(event: SlackEvent): Promise<void> {
    // A message with files is a `file_share`; other subtypes are edits, joins and the like.
    if ((event.subtype !== undefined && event.subtype !== 'file_share') || event.bot_id !== undefined || event.user === undefined || event.user === this.botUserId) return Promise.resolve();
    if (event.channel === undefined || event.ts === undefined) return Promise.resolve();
    const thread = event.thread_ts ?? event.ts;
    const mention = this.botUserId !== undefined && (event.text ?? '').includes(`<@${this.botUserId}>`);
    const direct = event.channel_type === 'im';
    if (!mention && !direct && !this.threads.has(`${event.channel}:${thread}`)) return Promise.resolve();
    const key = `${event.channel}:${event.ts}`;
    if (this.seen.has(key)) return Promise.resolve();
    this.remember(key, `${event.channel}:${thread}`);
    const output = this.output;
    if (!output) return Promise.resolve();
    // Not awaited: the envelope is acknowledged at once; the job takes its time.
    this.dispatch(this.toIncoming(event, thread), output);
    return Promise.resolve();
  }

  /**
   * A message with its sender's language, to the engine, in the order its thread got them: a
   * message whose sender's locale is known already waits for the one before it still being looked up.
   */
  private dispatch(message: IncomingMessage, output: SlackOutput): void {
    const thread = `${message.chatId}:${message.threadId ?? ''}`;
    const language = this.locales.of(message.userId);
    const turn = (this.lookups.get(thread) ?? Promise.resolve()).then(() => language);
    const done = turn.then(() => undefined);
    this.lookups.set(thread, done);
    turn
      .then((found) => {
        if (this.lookups.get(thread) === done) this.lookups.delete(thread);
        return this.deps.engine.handle(found === undefined ? message : { ...message, language: found }, output);
      })
      .catch((error: unknown) => this.deps.log.warn({ err: error }, 'slack message failed'));
  }

  /**
   * `/codex text`: Slack shows a slash command to no one, so the bot first posts it in the channel
   * (who asked, and what); that message is the root of the request's thread, where the answer
   * goes and replies continue the conversation. An empty command asks for the help.
   */
  private async onSlashCommand(command: SlashCommand, respond: RespondFn): Promise<void> {
    const output = this.output;
    if (!output) return;
    const text = command.text.trim();
    let root;
    try {
      root = await output.send({ chatId: command.channel_id }, `<@${command.user_id}>: ${slackMarkup.escape(`${command.command} ${text}`.trim())}`);
    } catch (error) {
      this.deps.log.warn({ err: (error as Error).message, channel: command.channel_id }, 'slack: could not post a /codex request in its channel (is the bot a member?)');
      const t = this.deps.engine.catalogFor(await this.locales.of(command.user_id));
      await respond({ response_type: 'ephemeral', text: t.engine.slackInviteHint((error as { data?: { error?: string } }).data?.error ?? 'error') }).catch(() => undefined);
      return;
    }
    const key = `${root.chatId}:${root.messageId}`;
    this.remember(key, key);
    const message: IncomingMessage = { platform: 'slack', chatId: root.chatId, threadId: root.messageId, messageId: root.messageId, userId: command.user_id, userName: command.user_name, text: text === '' ? '/help' : text, raw: command };
    this.dispatch(message, output);
  }

  private readonly report = (error: unknown): void => this.deps.reportError?.(chatErrorCode(error));

  private onPlainFallback(error: string): void {
    this.deps.log[this.plainWarned ? 'debug' : 'warn']({ error }, 'slack refused a message for its form; it went as plain text');
    this.plainWarned = true;
  }

  /** A press of one of our buttons, handed to the engine; how it went is told the presser alone. */
  private onAction(body: SlackActionBody, pressed: SlackPressed): void {
    const output = this.output;
    const chatId = body.channel?.id ?? body.container?.channel_id;
    const messageId = body.message?.ts ?? body.container?.message_ts;
    if (!output || pressed.type !== 'button' || pressed.value === undefined || chatId === undefined || messageId === undefined) return;
    const threadId = body.message?.thread_ts ?? body.container?.thread_ts;
    const where = { chatId, ...(threadId === undefined ? {} : { threadId }) };
    const userName = body.user.name ?? body.user.username;
    const action: IncomingAction = {
      platform: 'slack',
      ...where,
      messageId,
      userId: body.user.id,
      ...(userName === undefined ? {} : { userName }),
      data: pressed.value,
      reply: (text) => output.ephemeral(where, body.user.id, text),
    };
    // Not awaited, like messages: the answer goes through the master and may take a while.
    this.deps.engine.handleAction(action, output).catch((error: unknown) => this.deps.log.warn({ err: error }, 'slack button press failed'));
  }

  private remember(message: string, thread: string): void {
    this.seen.add(message);
    this.threads.add(thread);
    for (const set of [this.seen, this.threads]) {
      if (set.size > SEEN_LIMIT) set.delete(set.values().next().value as string);
    }
  }

  private toIncoming(event: SlackEvent, thread: string): IncomingMessage {
    const mention = new RegExp(`<@${this.botUserId ?? ''}>\\s*`, 'g');
    const files = incomingFiles(event.files, () => this.settings().botToken ?? '');
    return {
      platform: 'slack',
      chatId: event.channel ?? '',
      threadId: thread,
      messageId: event.ts ?? '',
      userId: event.user ?? '',
      text: (event.text ?? '').replace(mention, '').trim(),
      ...(files.length === 0 ? {} : { files }),
      raw: event as unknown as Record<string, unknown>,
    };
  }
}

/** Bolt's logger on ours, so its lines are structured and redacted like the rest. */
function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.WARN;
  return {
    debug: (...msg: unknown[]) => log.debug({ slack: msg.map(String) }, 'bolt'),
    info: (...msg: unknown[]) => log.debug({ slack: msg.map(String) }, 'bolt'),
    warn: (...msg: unknown[]) => log.warn({ slack: msg.map(String) }, 'bolt'),
    error: (...msg: unknown[]) => log.warn({ slack: msg.map(String) }, 'bolt'),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
