import type { Logger } from '../log/index.js';
import { FINAL_JOB_STATUSES, type ChatOrigin } from '../protocol/index.js';
import type { CodexRequest, CommandHost, LocalCommands } from './command-host.js';
import { registerCommands } from './commands.js';
import { finalLine, lastActivity, progressText, resultText } from './format.js';
import { ProgressMessage } from './progress.js';
import { Composer, createContext, type ChatContext, type Middleware } from './router.js';
import { MemorySessions, type Session, type SessionStore } from './sessions.js';
import type { AccessDecision, ChatJobUpdate, ChatOutput, IncomingMessage, JobGateway, JobSummary } from './types.js';

export interface ChatEngineOptions {
  gateway: JobGateway;
  /** Who may use the bot; asked for every message. */
  access: (message: IncomingMessage) => AccessDecision;
  sessions?: SessionStore;
  /** The dashboard link of a job, shown with its result. */
  jobLink?: (jobId: number) => string | undefined;
  /** Least time between two edits of a progress message. */
  progressIntervalMs?: number;
  /** Steps run for every allowed message before the commands (the bridge forwards it to the master). */
  observers?: Middleware[];
  /** The session a message belongs to; default: its chat thread (`threadKeyOf`). */
  sessionKey?: (message: IncomingMessage) => string;
  /** Set by the standalone runner: `/profile`, `/mode` and its own `/status` and `/start`. */
  local?: LocalCommands;
  log: Logger;
}

/** A job this engine started, and where its progress and result go. */
interface Tracked {
  ctx: ChatContext;
  progress: ProgressMessage;
  activity: string | undefined;
  /** False after `/new`: the job's conversation is not continued. */
  keep: boolean;
}

/**
 * The chat engine, platform-neutral: access control, commands, per-thread sessions (a thread
 * continues its last job's Codex conversation), one throttled progress message per job, and the
 * result split at the platform's limit. How jobs run is the gateway's business.
 */
export class ChatEngine implements CommandHost {
  private readonly router = new Composer();
  private readonly sessions: SessionStore;
  private readonly tracked = new Map<number, Tracked>();

  constructor(private readonly options: ChatEngineOptions) {
    this.sessions = options.sessions ?? new MemorySessions();
    this.router.use(this.checkAccess, ...(options.observers ?? []));
    registerCommands(this.router, this);
    this.router.use((ctx) => (ctx.message.text.trim() === '' ? Promise.resolve() : this.request(ctx, { prompt: ctx.message.text.trim() })));
    options.gateway.onUpdate((update) => this.onUpdate(update));
  }

  /** Handles one incoming message; failures are answered in the chat and logged, never thrown. */
  async handle(message: IncomingMessage, output: ChatOutput): Promise<void> {
    const ctx = createContext(message, output, this.options.sessionKey?.(message));
    try {
      await this.router.run(ctx);
    } catch (error) {
      this.options.log.warn({ err: error, platform: message.platform, chat: message.chatId }, 'chat message failed');
      await ctx.reply(output.markup.escape(`Something went wrong: ${(error as Error).message}`)).catch(() => undefined);
    }
  }

  get gateway(): JobGateway {
    return this.options.gateway;
  }

  get local(): LocalCommands | undefined {
    return this.options.local;
  }

  /** The running job and last job of a thread. */
  session(ctx: ChatContext): Session {
    return this.sessions.get(ctx.threadKey);
  }

  /** Changes a session's settings (`/mode`, `/profile`). */
  updateSession(ctx: ChatContext, change: Pick<Session, 'mode' | 'profile'>): void {
    this.sessions.set(ctx.threadKey, { ...this.sessions.get(ctx.threadKey), ...change });
  }

  /** `/new`: the thread's next request starts a fresh Codex conversation. */
  reset(ctx: ChatContext): void {
    const session = this.sessions.get(ctx.threadKey);
    const { runningJobId } = session;
    const running = runningJobId === undefined ? undefined : this.tracked.get(runningJobId);
    if (running) running.keep = false;
    this.sessions.set(ctx.threadKey, { ...settingsOf(session), ...(runningJobId === undefined ? {} : { runningJobId }) });
  }

  /** Starts a job for a request, continuing the thread's conversation. */
  async request(ctx: ChatContext, request: CodexRequest): Promise<void> {
    const session = this.sessions.get(ctx.threadKey);
    const { markup } = ctx.output;
    if (session.runningJobId !== undefined) {
      await ctx.reply(markup.escape(`Job #${session.runningJobId} is still running in this thread: wait for it, or /cancel it.`));
      return;
    }
    void ctx.output.typing?.(ctx.message)?.catch(() => undefined);
    const sent = await ctx.reply(markup.escape('⏳ Sending to Codex…'));
    if (!sent) return;
    let job: JobSummary;
    try {
      job = await this.options.gateway.submit({ ...request, ...(session.lastJobId === undefined ? {} : { continueFrom: session.lastJobId }), origin: originOf(ctx) });
    } catch (error) {
      await ctx.output.edit(sent, markup.escape(`❌ Could not start the job: ${(error as Error).message}`));
      return;
    }
    const progress = new ProgressMessage(ctx.output, sent, markup.escape('⏳ Sending to Codex…'), this.options.progressIntervalMs ?? 2000, (error) =>
      this.options.log.warn({ err: error, job: job.id }, 'could not update a progress message'),
    );
    this.tracked.set(job.id, { ctx, progress, activity: undefined, keep: true });
    this.sessions.set(ctx.threadKey, { ...session, runningJobId: job.id });
    this.onUpdate({ job, events: [] });
  }

  private readonly checkAccess: Middleware = async (ctx, next) => {
    const decision = this.options.access(ctx.message);
    if (decision.allowed) return next();
    this.options.log.info({ platform: ctx.message.platform, chat: ctx.message.chatId, user: ctx.message.userId }, 'refused a stranger');
    await ctx.reply(ctx.output.markup.escape(`Unauthorized. ${decision.hint}`));
  };

  private onUpdate({ job, events }: ChatJobUpdate): void {
    const tracked = this.tracked.get(job.id);
    if (!tracked) return;
    tracked.activity = lastActivity(events) ?? tracked.activity;
    if (!FINAL_JOB_STATUSES.has(job.status)) {
      tracked.progress.update(progressText(tracked.ctx.output.markup, job, tracked.activity));
      return;
    }
    this.tracked.delete(job.id);
    this.finish(tracked, job).catch((error: unknown) => this.options.log.warn({ err: error, job: job.id }, 'could not send a job result'));
  }

  private async finish(tracked: Tracked, job: JobSummary): Promise<void> {
    const { ctx, progress } = tracked;
    const session = this.sessions.get(ctx.threadKey);
    if (session.runningJobId === job.id) this.sessions.set(ctx.threadKey, afterRun(session, job, tracked.keep));
    await progress.finish(finalLine(ctx.output.markup, job));
    await ctx.reply(resultText(ctx.output.markup, job, this.options.jobLink?.(job.id)));
  }
}

/** What `/new` keeps: the session's mode and profile. */
function settingsOf({ mode, profile }: Session): Session {
  return { ...(mode === undefined ? {} : { mode }), ...(profile === undefined ? {} : { profile }) };
}

/** The session after its run ended; a run `/new` dropped leaves the conversation as it was. */
function afterRun(session: Session, job: JobSummary, keep: boolean): Session {
  const result = job.result;
  const lastRun = { jobId: job.id, status: job.status, finishedAt: new Date().toISOString(), ...(result?.summary === undefined ? {} : { summary: result.summary }) };
  if (!keep) {
    const { lastJobId, threadId } = session;
    return { ...settingsOf(session), ...(lastJobId === undefined ? {} : { lastJobId }), ...(threadId === undefined ? {} : { threadId }), lastRun };
  }
  return { ...settingsOf(session), lastJobId: job.id, ...(result?.threadId === undefined ? {} : { threadId: result.threadId }), lastRun };
}

/** The job's origin: the chat details needed to find its thread again. */
function originOf(ctx: ChatContext): ChatOrigin {
  const { platform, chatId, threadId, messageId, userId, userName } = ctx.message;
  return {
    kind: platform,
    chatId,
    messageId,
    userId,
    ...(threadId === undefined ? {} : { threadId }),
    ...(userName === undefined ? {} : { userName }),
  };
}
