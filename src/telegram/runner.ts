import type { Update } from 'grammy/types';
import type { Bot } from 'grammy';
import { ChatEngine, type Catalog, type ChatOutput, type IncomingMessage, type LanguageSetting, type Session, type Transcriber } from '../chat/index.js';
import { createLimitedBot, isForOtherBot, isReadable, RateLimiter, TelegramOutput, toAction, toIncoming } from '../bridge/telegram/index.js';
import type { OrchestratorConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import { setUpCodex, type RunnerCodex } from './codex-setup.js';
import { FileSessions } from './file-sessions.js';
import { LocalGateway } from './local-gateway.js';
import { mcpStatusLine } from './mcp-status.js';
import { Poller, type PollEnd } from './poller.js';
import { TraceLog } from './traces.js';
import { join } from 'node:path';

/** What the runner needs besides its config. */
export interface TelegramRunnerOptions {
  config: OrchestratorConfig;
  log: Logger;
  version: string;
  /** The environment `mcp_status_cmd` runs in. */
  env: NodeJS.ProcessEnv;
  /** Laid over the environment Codex inherits (tests: a private CODEX_HOME). */
  codexEnv?: Readonly<Record<string, string>>;
  progressIntervalMs?: number;
  perChatIntervalMs?: number;
  /** `CHAT_LANGUAGE`: each user's own language (default), or always one. */
  language?: LanguageSetting;
  /** `CHAT_TRANSCRIBE_URL`'s client, for voice notes; without one, a voice note is answered with how to enable it. */
  transcriber?: Transcriber;
}

/**
 * `csc telegram`: the chat engine with a local executor, file sessions
 * (`{base}/sessions/{chatId}-{userId}.json`) and daily traces (`{base}/traces/{day}.jsonl`).
 */
export class TelegramRunner {
  private readonly bot: Bot;
  private readonly poller: Poller;
  private readonly gateway: LocalGateway;
  private readonly engine: ChatEngine;
  private readonly trace: TraceLog;
  private readonly output: ChatOutput;

  private constructor(
    private readonly options: TelegramRunnerOptions,
    private readonly codex: RunnerCodex,
  ) {
    const { config, log } = options;
    this.trace = new TraceLog(join(config.baseDir, 'traces'), [config.botToken]);
    const sessions = new FileSessions(join(config.baseDir, 'sessions'));
    this.gateway = new LocalGateway({
      executor: codex.executor,
      sessionOf: (origin) => sessions.get(`${origin.chatId}-${origin.userId ?? origin.chatId}`),
      profiles: config.profiles,
      defaultProfile: config.defaultProfile,
      agents: config.agents,
      approvalPolicy: config.codex.approval_policy,
      sandbox: config.codex.sandbox,
      cancelWaitMs: config.polling.cancel_wait_timeout_sec * 1000,
      runTimeoutSec: config.codex.mcp_client_timeout_seconds,
      allowedUsers: config.allowedUsers,
      trace: this.trace,
      version: options.version,
    });
    this.engine = new ChatEngine({
      gateway: this.gateway,
      access: (message) => this.access(message),
      sessions,
      sessionKey: (message) => `${message.chatId}-${message.userId}`,
      local: { profiles: () => Object.keys(config.profiles), statusLines: (session, t) => this.statusLines(session, t), helpLines: (t) => t.runner.help },
      progressIntervalMs: options.progressIntervalMs ?? 2000,
      ...(options.language === undefined ? {} : { language: options.language }),
      ...(options.transcriber === undefined ? {} : { transcriber: options.transcriber }),
      log,
    });
    this.bot = createLimitedBot(config.botToken, config.apiRoot, new RateLimiter(options.perChatIntervalMs ?? 1000, 34));
    this.bot.on('message', (ctx) => {
      if (!isReadable(ctx.message) || isForOtherBot(ctx)) return;
      // Not awaited: a long run in one chat must not hold up the others.
      this.engine.handle(toIncoming(ctx), this.output).catch((error: unknown) => this.fail(error));
    });
    this.bot.on('callback_query:data', (ctx) => {
      const action = toAction(ctx);
      const reply = (text: string) => (this.trace.write('reply', { chatId: action.chatId, callbackQuery: ctx.callbackQuery.id, text }), action.reply(text));
      this.engine.handleAction({ ...action, reply }, this.output).catch((error: unknown) => this.fail(error));
    });
    this.output = this.traced(new TelegramOutput(this.bot.api, 'MarkdownV2'));
    this.poller = new Poller(this.bot, config.polling, (update) => this.onUpdate(update), log, config.apiRoot);
  }

  /** Sets up Codex (waiting for it when `require_mcp_warmup`), ready to `run()`. */
  static async create(options: TelegramRunnerOptions): Promise<TelegramRunner> {
    const codex = await setUpCodex(options.config, options.log, options.codexEnv);
    if (options.config.polling.require_mcp_warmup) {
      try {
        await codex.ready;
      } catch (error) {
        await codex.close();
        throw error;
      }
    } else {
      codex.ready.catch((error: unknown) => options.log.error({ err: (error as Error).message }, 'Codex could not start'));
    }
    return new TelegramRunner(options, codex);
  }

  /** Polls until `stop()` or a fatal answer from Telegram (409, 401). */
  run(): Promise<PollEnd> {
    return this.poller.run();
  }

  /** Ctrl+C: interrupts the runs, confirms the offset and stops Codex. */
  async stop(): Promise<void> {
    await this.gateway.stopAll();
    await this.poller.stop();
    await this.codex.close();
  }

  private onUpdate(update: Update): void {
    this.trace.write('update', { update });
    this.bot.handleUpdate(update).catch((error: unknown) => this.fail(error));
  }

  private fail(error: unknown): void {
    this.trace.write('error', { message: (error as Error).message });
    this.options.log.warn({ err: error }, 'telegram update failed');
  }

  private access(message: IncomingMessage) {
    if (this.options.config.allowedUsers.includes(message.userId)) return { allowed: true } as const;
    const t = this.engine.catalogFor(message.language);
    return { allowed: false, hint: t.runner.unauthorized(message.userId, this.options.config.confPath) } as const;
  }

  private async statusLines(session: Session, t: Catalog): Promise<string[]> {
    const { config } = this.options;
    const name = session.profile ?? config.defaultProfile;
    const profile = config.profiles[name];
    const run = session.lastRun;
    const codex = config.codex;
    const mcp = await mcpStatusLine({
      direct: codex.mcp_direct_status,
      ...(codex.mcp_status_cmd === undefined ? {} : { command: codex.mcp_status_cmd }),
      autoDetect: codex.mcp_auto_detect_process,
      own: this.codex.status,
      env: this.options.env,
    });
    return [
      t.runner.mode(session.mode ?? 'single'),
      t.runner.profile(name, profile?.model, profile?.workingDirectory),
      run ? t.runner.recentRun(run.jobId, t.states[run.status as keyof Catalog['states']] ?? run.status, run.finishedAt, run.summary) : t.runner.noRecentRun,
      t.runner.running(session.runningJobId),
      t.runner.mcp(mcp),
    ];
  }

  /** The output with every reply traced. */
  private traced(output: TelegramOutput): ChatOutput {
    return {
      markup: output.markup,
      limit: output.limit,
      send: async (to, text) => {
        this.trace.write('reply', { chatId: to.chatId, text });
        return output.send(to, text);
      },
      edit: async (message, text) => {
        this.trace.write('reply', { chatId: message.chatId, messageId: message.messageId, edit: true, text });
        return output.edit(message, text);
      },
      typing: (to) => output.typing(to),
      sendFile: async (to, file) => {
        this.trace.write('reply', { chatId: to.chatId, file: file.name, bytes: file.content.length });
        return output.sendFile(to, file);
      },
      sendButtons: async (to, text, buttons) => {
        this.trace.write('reply', { chatId: to.chatId, text, buttons: buttons.map((b) => b.label) });
        return output.sendButtons(to, text, buttons);
      },
    };
  }
}
