import type { Logger } from '../log/index.js';
import { FINAL_JOB_STATUSES, type ChatOrigin } from '../protocol/index.js';
import type { CancelOutcome, CodexRequest, CommandHost, LocalCommands, ThreadView } from './command-host.js';
import { registerCommands } from './commands.js';
import { diffFile, DiffParts } from './diff-parts.js';
import { EarlyUpdates } from './early-updates.js';
import { finalLine, lastActivity, lineFullText, progressText, queuedText, resultText } from './format.js';
import { ProgressMessage } from './progress.js';
import { QuestionBoard } from './question-board.js';
import { Composer, createContext, type ChatContext, type Middleware } from './router.js';
import { afterRun, MemorySessions, settingsOf, type Session, type SessionStore } from './sessions.js';
import { MAX_WAITING, ThreadLines, type Submission, type WaitingRequest } from './thread-lines.js';
import { OverdueSubmit, type AccessDecision, type ChatJobUpdate, type ChatOutput, type IncomingAction, type IncomingMessage, type JobGateway, type JobSummary, type SentMessage } from './types.js';

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
  /** Where a question of Codex that takes text can be answered (buttons only decide); default: nowhere here. */
  textAnswerHint?: string;
  log: Logger;
}

/** A job this engine started, and where its progress and result go. */
interface Tracked {
  ctx: ChatContext;
  progress: ProgressMessage;
  activity: string | undefined;
  /** False after `/new`: the job's conversation is not continued. */
  keep: boolean;
  /** The job's diff, sent as a file with its result where the platform takes files. */
  diff: DiffParts;
}

const SENDING = '⏳ Sending to Codex…';

/**
 * The chat engine, platform-neutral: access control, commands, per-thread sessions (a thread
 * continues its last job's Codex conversation), one throttled progress message per job, and the
 * result split at the platform's limit. A thread runs one job at a time: a request that arrives
 * while one runs (or is being submitted) waits behind it, up to `MAX_WAITING`, and starts once it
 * has finished, continuing its conversation. How jobs run is the gateway's business.
 */
export class ChatEngine implements CommandHost {
  private readonly router = new Composer();
  private readonly sessions: SessionStore;
  private readonly tracked = new Map<number, Tracked>();
  private readonly lines = new ThreadLines();
  private readonly early = new EarlyUpdates();
  private readonly board: QuestionBoard;

  constructor(private readonly options: ChatEngineOptions) {
    this.sessions = options.sessions ?? new MemorySessions();
    this.router.use(this.checkAccess, ...(options.observers ?? []));
    registerCommands(this.router, this);
    this.router.use((ctx) => (ctx.message.text.trim() === '' ? Promise.resolve() : this.request(ctx, { prompt: ctx.message.text.trim() })));
    this.board = new QuestionBoard({ gateway: options.gateway, access: options.access, textHint: options.textAnswerHint ?? 'Here it can only be denied.', log: options.log });
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

  /** Handles a button press (an answer to a question of Codex); failures are told to the presser, never thrown. */
  handleAction(action: IncomingAction, output: ChatOutput): Promise<void> {
    return this.board.handleAction(action, output);
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

  thread(ctx: ChatContext): ThreadView {
    const { runningJobId } = this.sessions.get(ctx.threadKey);
    const submitting = this.lines.submitting(ctx.threadKey) !== undefined;
    return { ...(runningJobId === undefined ? {} : { runningJobId }), submitting, waiting: this.lines.waiting(ctx.threadKey) };
  }

  /** `/new`: the thread's next request starts a fresh Codex conversation; so do the ones already waiting. */
  reset(ctx: ChatContext): void {
    const session = this.sessions.get(ctx.threadKey);
    const { runningJobId } = session;
    const running = runningJobId === undefined ? undefined : this.tracked.get(runningJobId);
    if (running) running.keep = false;
    const submitting = this.lines.submitting(ctx.threadKey);
    if (submitting) submitting.keep = false;
    this.sessions.set(ctx.threadKey, { ...settingsOf(session), ...(runningJobId === undefined ? {} : { runningJobId }) });
  }

  async cancel(ctx: ChatContext): Promise<CancelOutcome> {
    // Dropped first, so that a job ending while the cancel is on its way starts none of them.
    const dropped = this.lines.drop(ctx.threadKey);
    for (const waiting of dropped) void this.dropped(waiting);
    const { runningJobId } = this.sessions.get(ctx.threadKey);
    if (runningJobId !== undefined) {
      await this.options.gateway.cancel(runningJobId);
      return { jobId: runningJobId, abandoned: false, dropped: dropped.length };
    }
    const submission = this.lines.submitting(ctx.threadKey);
    if (submission) {
      // Its answer may never come: the thread is free now, and a job it makes after all is stopped.
      submission.abandoned = true;
      this.lines.release(ctx.threadKey, submission);
    }
    return { abandoned: submission !== undefined, dropped: dropped.length };
  }

  /** Starts a job for a request, continuing the thread's conversation, or queues it behind the thread's job. */
  async request(ctx: ChatContext, request: CodexRequest): Promise<void> {
    const { runningJobId } = this.sessions.get(ctx.threadKey);
    if (runningJobId === undefined && this.lines.submitting(ctx.threadKey) === undefined) return this.run(ctx, request, undefined);
    const ahead = this.lines.waiting(ctx.threadKey);
    if (ahead >= MAX_WAITING) {
      await ctx.reply(ctx.output.markup.escape(lineFullText(runningJobId, ahead)));
      return;
    }
    // Queued before anything is awaited, so that messages of one turn keep their order.
    const notice = ctx.reply(ctx.output.markup.escape(queuedText(runningJobId, ahead))).catch(() => undefined);
    this.lines.enqueue(ctx.threadKey, { ctx, request, notice });
    await notice;
  }

  /** Submits a request in its thread (which it holds until the job has finished) and tracks its job. */
  private async run(ctx: ChatContext, request: CodexRequest, notice: Promise<SentMessage | undefined> | undefined): Promise<void> {
    const submission = this.lines.submit(ctx.threadKey);
    this.early.begin();
    let tracked = false;
    try {
      const sent = await this.sendingMessage(ctx, notice);
      const job = sent && (await this.submitted(ctx, request, sent));
      if (sent && job) {
        this.started(ctx, sent, job, submission);
        tracked = true;
      }
    } finally {
      // Whatever went wrong, the thread is not left held by a request that made no job.
      if (!tracked && !submission.abandoned) {
        this.lines.release(ctx.threadKey, submission);
        this.startNext(ctx.threadKey);
      }
      this.early.end();
    }
  }

  /** The message that shows the request's progress: its "queued" notice, or a new one. */
  private async sendingMessage(ctx: ChatContext, notice: Promise<SentMessage | undefined> | undefined): Promise<SentMessage | undefined> {
    void ctx.output.typing?.(ctx.message)?.catch(() => undefined);
    const shown = await notice;
    if (!shown) return ctx.reply(ctx.output.markup.escape(SENDING));
    await this.edit(ctx, shown, SENDING);
    return shown;
  }

  /** The job made for the request; undefined (and said so in `sent`) when it could not start. */
  private async submitted(ctx: ChatContext, request: CodexRequest, sent: SentMessage): Promise<JobSummary | undefined> {
    const { lastJobId } = this.sessions.get(ctx.threadKey);
    const submit = this.options.gateway.submit({ ...request, ...(lastJobId === undefined ? {} : { continueFrom: lastJobId }), origin: originOf(ctx) });
    try {
      return await submit.catch(async (error: unknown) => {
        if (!(error instanceof OverdueSubmit)) throw error;
        // Told now; the answer may still come, and then the job shows here as any other.
        await this.edit(ctx, sent, `⚠️ ${error.message}`);
        return error.answer;
      });
    } catch (error) {
      await this.edit(ctx, sent, `❌ Could not start the job: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Tracks a job whose submit was answered; one `/cancel` gave up on is stopped at once and holds no thread. */
  private started(ctx: ChatContext, sent: SentMessage, job: JobSummary, submission: Submission): void {
    const progress = new ProgressMessage(ctx.output, sent, ctx.output.markup.escape(SENDING), this.options.progressIntervalMs ?? 2000, (error) =>
      this.options.log.warn({ err: error, job: job.id }, 'could not update a progress message'),
    );
    this.tracked.set(job.id, { ctx, progress, activity: undefined, keep: submission.keep && !submission.abandoned, diff: new DiffParts() });
    if (submission.abandoned) {
      this.options.gateway.cancel(job.id).catch((error: unknown) => this.options.log.warn({ err: error, job: job.id }, 'could not cancel an abandoned job'));
      void ctx.reply(ctx.output.markup.escape(`Job #${job.id} started after all; cancelling it, as /cancel asked.`)).catch(() => undefined);
    } else {
      this.lines.release(ctx.threadKey, submission);
      this.sessions.set(ctx.threadKey, { ...this.sessions.get(ctx.threadKey), runningJobId: job.id });
    }
    this.onUpdate({ job, events: [] });
    const early = this.early.take(job.id);
    if (early) this.onUpdate(early);
  }

  /** Starts the thread's next waiting request, if any. */
  private startNext(threadKey: string): void {
    const next = this.lines.next(threadKey);
    if (next) this.run(next.ctx, next.request, next.notice).catch((error: unknown) => this.options.log.warn({ err: error }, 'could not start a waiting request'));
  }

  /** Tells a waiting request's notice that `/cancel` dropped it. */
  private async dropped({ ctx, notice }: WaitingRequest): Promise<void> {
    const shown = await notice;
    if (shown) await this.edit(ctx, shown, '🛑 Not run: /cancel dropped this request.');
  }

  /** Edits a message to plain `text`; a failed edit is logged, never thrown. */
  private async edit(ctx: ChatContext, message: SentMessage, text: string): Promise<void> {
    await ctx.output.edit(message, ctx.output.markup.escape(text)).catch((error: unknown) => this.options.log.warn({ err: error }, 'could not edit a message'));
  }

  private readonly checkAccess: Middleware = async (ctx, next) => {
    const decision = this.options.access(ctx.message);
    if (decision.allowed) return next();
    this.options.log.info({ platform: ctx.message.platform, chat: ctx.message.chatId, user: ctx.message.userId }, 'refused a stranger');
    await ctx.reply(ctx.output.markup.escape(`Unauthorized. ${decision.hint}`));
  };

  private onUpdate(update: ChatJobUpdate): void {
    const { job, events } = update;
    const tracked = this.tracked.get(job.id);
    if (!tracked) return this.early.keep(update);
    tracked.activity = lastActivity(events) ?? tracked.activity;
    tracked.diff.add(events);
    this.board.update(job, tracked.ctx);
    if (!FINAL_JOB_STATUSES.has(job.status)) {
      tracked.progress.update(progressText(tracked.ctx.output.markup, job, tracked.activity));
      return;
    }
    this.tracked.delete(job.id);
    this.finish(tracked, job).catch((error: unknown) => this.options.log.warn({ err: error, job: job.id }, 'could not send a job result'));
  }

  /** Shows the result; a job that held its thread then lets the next waiting request start, continuing it. */
  private async finish(tracked: Tracked, job: JobSummary): Promise<void> {
    const { ctx, progress } = tracked;
    const session = this.sessions.get(ctx.threadKey);
    const held = session.runningJobId === job.id;
    if (held) this.sessions.set(ctx.threadKey, afterRun(session, job, tracked.keep));
    try {
      await progress.finish(finalLine(ctx.output.markup, job));
      await ctx.reply(resultText(ctx.output.markup, job, this.options.jobLink?.(job.id)));
      await this.sendDiff(ctx, job, tracked.diff);
    } finally {
      if (held) this.startNext(ctx.threadKey);
    }
  }

  /** The job's diff as a file after its result, where the platform takes files and the diff is small and whole. */
  private async sendDiff(ctx: ChatContext, job: JobSummary, parts: DiffParts): Promise<void> {
    const file = diffFile(job, parts);
    if (!file || !ctx.output.sendFile) return;
    const { chatId, threadId } = ctx.message;
    await ctx.output.sendFile({ chatId, ...(threadId === undefined ? {} : { threadId }) }, file).catch((error: unknown) => this.options.log.warn({ err: error, job: job.id }, 'could not send the diff file'));
  }
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
