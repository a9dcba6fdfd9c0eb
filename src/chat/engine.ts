import type { Logger } from '../log/index.js';
import { FINAL_JOB_STATUSES } from '../protocol/index.js';
import type { CancelOutcome, CodexRequest, CommandHost, LocalCommands, SessionChange, ThreadView } from './command-host.js';
import { registerCommands } from './commands.js';
import { EarlyUpdates } from './early-updates.js';
import { queuedText } from './format.js';
import { catalogOf, languageOf, type Catalog, type LanguageSetting } from './i18n/index.js';
import { prepareRequest } from './incoming-files.js';
import { ProgressMessage } from './progress.js';
import { QuestionBoard } from './question-board.js';
import { Composer, createContext, originOf, type ChatContext, type Middleware } from './router.js';
import { SendQueue } from './send-queue.js';
import { afterRun, MemorySessions, settingsOf, type Session, type SessionStore } from './sessions.js';
import { lineFullText } from './status-text.js';
import { MAX_WAITING, ThreadLines, type Submission, type WaitingRequest } from './thread-lines.js';
import { Requests, type TrackedRequest } from './tracked-request.js';
import { errorText, OverdueSubmit, type AccessDecision, type ChatJobUpdate, type ChatOutput, type IncomingAction, type IncomingMessage, type JobGateway, type JobSummary, type SentMessage, type Transcriber } from './types.js';

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
  textAnswerHint?: string | ((t: Catalog) => string);
  /** `CHAT_LANGUAGE`: each user's own language (`auto`, the default: Korean for `ko…`, else English), or always one. */
  language?: LanguageSetting;
  /** Turns voice notes into requests; without one, a voice note is answered with how to enable it. */
  transcriber?: Transcriber;
  log: Logger;
}

/**
 * The chat engine, platform-neutral: access control, commands, per-thread sessions (a thread
 * continues its last job's Codex conversation), one throttled progress message per request (a
 * pipeline's steps share it), and the result split at the platform's limit, in the user's
 * language. A thread runs one request at a time: one that arrives while another runs (or is being
 * submitted) waits behind it, up to `MAX_WAITING`, and starts once it has finished, continuing its
 * conversation. How jobs run is the gateway's business.
 */
export class ChatEngine implements CommandHost {
  private readonly router = new Composer();
  private readonly sessions: SessionStore;
  private readonly tracked = new Requests();
  private readonly lines = new ThreadLines();
  private readonly early = new EarlyUpdates();
  private readonly sends = new SendQueue();
  private readonly board: QuestionBoard;

  constructor(private readonly options: ChatEngineOptions) {
    this.sessions = options.sessions ?? new MemorySessions();
    this.router.use(this.checkAccess, ...(options.observers ?? []));
    registerCommands(this.router, this);
    this.router.use((ctx) => this.fromMessage(ctx));
    const hint = options.textAnswerHint;
    this.board = new QuestionBoard({
      gateway: options.gateway,
      access: options.access,
      textHint: typeof hint === 'function' ? hint : hint === undefined ? (t) => t.questions.textHintHere : () => hint,
      catalogFor: (language) => this.catalogFor(language),
      log: options.log,
    });
    options.gateway.onUpdate((update) => this.onUpdate(update));
  }

  /** Handles one incoming message; failures are answered in the chat and logged, never thrown. */
  async handle(message: IncomingMessage, output: ChatOutput): Promise<void> {
    const language = languageOf(message.language, this.options.language);
    const t = catalogOf(language);
    const threadKey = this.options.sessionKey?.(message);
    const ctx = createContext(message, output, { ...(threadKey === undefined ? {} : { threadKey }), language, t, sends: this.sends });
    try {
      await this.router.run(ctx);
    } catch (error) {
      this.options.log.warn({ err: error, platform: message.platform, chat: message.chatId }, 'chat message failed');
      await ctx.reply(output.markup.escape(t.engine.wentWrong(errorText(t, error)))).catch(() => undefined);
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

  /** The texts for a user whose platform says `language`, as the engine's setting has it. */
  catalogFor(language: string | undefined): Catalog {
    return catalogOf(languageOf(language, this.options.language));
  }

  /** The running job and last job of a thread. */
  session(ctx: ChatContext): Session {
    return this.sessions.get(ctx.threadKey);
  }

  /** Changes a session's settings (`/mode`, `/profile`); `undefined` unsets one. */
  updateSession(ctx: ChatContext, change: SessionChange): void {
    const session: Session = { ...this.sessions.get(ctx.threadKey), ...change };
    for (const key of ['mode', 'profile'] as const) if (session[key] === undefined) delete session[key];
    this.sessions.set(ctx.threadKey, session);
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
      await ctx.reply(ctx.output.markup.escape(lineFullText(ctx.t, runningJobId, ahead)));
      return;
    }
    // Queued before anything is awaited, so that messages of one turn keep their order.
    const notice = ctx.reply(ctx.output.markup.escape(queuedText(ctx.t, runningJobId, ahead))).catch(() => undefined);
    this.lines.enqueue(ctx.threadKey, { ctx, request, notice });
    await notice;
  }

  /** A message that is not a command: a request, once its files are uploaded and its voice note transcribed. */
  private async fromMessage(ctx: ChatContext): Promise<void> {
    const text = ctx.message.text.trim();
    // Without files nothing is awaited first, so that messages of one turn keep their order.
    if (!ctx.message.files?.length) return text === '' ? undefined : this.request(ctx, { prompt: text });
    const prepared = await prepareRequest(ctx, { gateway: this.options.gateway, transcriber: this.options.transcriber });
    if (prepared) await this.request(ctx, { prompt: prepared.prompt, ...(prepared.attachments.length === 0 ? {} : { attachments: prepared.attachments }) });
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
    if (!shown) return ctx.reply(ctx.output.markup.escape(ctx.t.engine.sending));
    await this.edit(ctx, shown, ctx.t.engine.sending);
    return shown;
  }

  /** The job made for the request (with the thread's profile and mode); undefined (and said so in `sent`) when it could not start. */
  private async submitted(ctx: ChatContext, request: CodexRequest, sent: SentMessage): Promise<JobSummary | undefined> {
    const { lastJobId, profile, mode } = this.sessions.get(ctx.threadKey);
    const submit = this.options.gateway.submit({
      ...request,
      ...(lastJobId === undefined ? {} : { continueFrom: lastJobId }),
      ...(profile === undefined ? {} : { profileName: profile }),
      ...(mode === undefined ? {} : { mode }),
      origin: originOf(ctx),
    });
    try {
      return await submit.catch(async (error: unknown) => {
        if (!(error instanceof OverdueSubmit)) throw error;
        // Told now; the answer may still come, and then the job shows here as any other.
        await this.edit(ctx, sent, `⚠️ ${errorText(ctx.t, error)}`);
        return error.answer;
      });
    } catch (error) {
      await this.edit(ctx, sent, ctx.t.engine.couldNotStart(errorText(ctx.t, error)));
      return undefined;
    }
  }

  /** Tracks a job whose submit was answered; one `/cancel` gave up on is stopped at once and holds no thread. */
  private started(ctx: ChatContext, sent: SentMessage, job: JobSummary, submission: Submission): void {
    const progress = new ProgressMessage(ctx.output, sent, ctx.output.markup.escape(ctx.t.engine.sending), this.options.progressIntervalMs ?? 2000, (error) =>
      this.options.log.warn({ err: error, job: job.id }, 'could not update a progress message'),
    );
    this.tracked.add(ctx, progress, job.id, submission.keep && !submission.abandoned);
    if (submission.abandoned) {
      this.options.gateway.cancel(job.id).catch((error: unknown) => this.options.log.warn({ err: error, job: job.id }, 'could not cancel an abandoned job'));
      void ctx.reply(ctx.output.markup.escape(ctx.t.engine.startedAfterAll(job.id))).catch(() => undefined);
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
    if (shown) await this.edit(ctx, shown, ctx.t.engine.dropped);
  }

  /** Edits a message to plain `text`; a failed edit is logged, never thrown. */
  private async edit(ctx: ChatContext, message: SentMessage, text: string): Promise<void> {
    await ctx.output.edit(message, ctx.output.markup.escape(text)).catch((error: unknown) => this.options.log.warn({ err: error }, 'could not edit a message'));
  }

  private readonly checkAccess: Middleware = async (ctx, next) => {
    const decision = this.options.access(ctx.message);
    if (decision.allowed) return next();
    this.options.log.info({ platform: ctx.message.platform, chat: ctx.message.chatId, user: ctx.message.userId }, 'refused a stranger');
    await ctx.reply(ctx.output.markup.escape(ctx.t.engine.unauthorized(decision.hint)));
  };

  private onUpdate(update: ChatJobUpdate): void {
    const { job } = update;
    const tracked = this.tracked.of(job, (request, from) => this.stepped(request, from, job.id));
    if (!tracked) return this.early.keep(update);
    tracked.absorb(update);
    this.board.update(job, tracked.ctx);
    if (!FINAL_JOB_STATUSES.has(job.status)) return tracked.showProgress(job);
    if (this.tracked.ended(job, tracked)) return tracked.stepDone(job);
    this.finish(tracked, job).catch((error: unknown) => this.options.log.warn({ err: error, job: job.id }, 'could not send a job result'));
  }

  /** A pipeline's next step has begun: its job becomes the thread's running job, so `/cancel` stops it. */
  private stepped(request: TrackedRequest, from: number, to: number): void {
    const session = this.sessions.get(request.ctx.threadKey);
    if (session.runningJobId === from) this.sessions.set(request.ctx.threadKey, { ...session, runningJobId: to });
  }

  /** Shows the result and its files; a job that held its thread then lets the next waiting request start, continuing it. */
  private async finish(tracked: TrackedRequest, job: JobSummary): Promise<void> {
    const { ctx, progress } = tracked;
    const session = this.sessions.get(ctx.threadKey);
    const held = session.runningJobId === job.id;
    if (held) this.sessions.set(ctx.threadKey, afterRun(session, job, tracked.keep));
    try {
      await progress.finish(tracked.finalLine(job));
      await ctx.reply(tracked.resultText(job, this.options.jobLink?.(job.id)), (to) => tracked.sendFiles(to, job, this.options.log));
    } finally {
      if (held) this.startNext(ctx.threadKey);
    }
  }
}
