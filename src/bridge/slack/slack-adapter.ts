import { App, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { IncomingAction, IncomingMessage } from '../../chat/index.js';
import type { ChatPlatformSettings } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import type { ResponseFrame } from '../../protocol/index.js';
import type { AdapterDeps, PlatformAdapter } from '../platform.js';
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
}

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
 * already answers in, and presses of its question buttons (`block_actions` in `interactive`
 * envelopes). An @mention arrives twice (`message` and `app_mention`): handled once. Its own and
 * other bots' messages are ignored.
 */
export class SlackAdapter implements PlatformAdapter {
  readonly platform = 'slack';
  private app: App | undefined;
  private output: SlackOutput | undefined;
  private botUserId: string | undefined;
  private stopped = false;
  private readonly seen = new Set<string>();
  private readonly threads = new Set<string>();

  constructor(
    private readonly settings: () => ChatPlatformSettings['slack'],
    private readonly deps: AdapterDeps,
    private readonly options: SlackAdapterOptions = {},
  ) {}

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
        this.output = new SlackOutput(app.client);
        this.deps.log.info({ bot: auth.user }, 'slack socket mode connected');
        return;
      } catch (error) {
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
    if (event.subtype !== undefined || event.bot_id !== undefined || event.user === undefined || event.user === this.botUserId) return Promise.resolve();
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
    this.deps.engine.handle(this.toIncoming(event, thread), output).catch((error: unknown) => this.deps.log.warn({ err: error }, 'slack message failed'));
    return Promise.resolve();
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
    return {
      platform: 'slack',
      chatId: event.channel ?? '',
      threadId: thread,
      messageId: event.ts ?? '',
      userId: event.user ?? '',
      text: (event.text ?? '').replace(mention, '').trim(),
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
