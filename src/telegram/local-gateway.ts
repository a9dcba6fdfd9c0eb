import { catalogOf, languageOf, type AnswerOutcome, type Catalog, type ChatAnswerer, type ChatJobRequest, type ChatJobUpdate, type GatewayStatus, type JobGateway, type JobSummary, type QuestionAnswer, type SequencedJobEvent, type Session, type UploadFile } from '../chat/index.js';
import type { AgentSettings, RunProfile } from '../config/index.js';
import type { Executor, RunContext } from '../node/index.js';
import { DEFAULT_APPROVAL_TIMEOUT_SEC, type Attachment, type JobEvent, type JobResult, type JobSpec } from '../protocol/index.js';
import { LocalFiles } from './local-files.js';
import { RunDeadline } from './run-deadline.js';
import { RunQuestions } from './run-questions.js';
import type { TraceLog } from './traces.js';

/** What the gateway needs to know of the runner: sessions, profiles, agents and run settings. */
export interface LocalGatewayOptions {
  executor: Executor;
  /** The session of a request's origin (mode, profile, Codex thread). */
  sessionOf: (origin: ChatJobRequest['origin']) => Session;
  profiles: Record<string, RunProfile>;
  defaultProfile: string;
  agents: readonly AgentSettings[];
  approvalPolicy: JobSpec['profile']['approvalPolicy'];
  sandbox: JobSpec['profile']['sandbox'];
  cancelWaitMs: number;
  /** `[codex] mcp_client_timeout_seconds`: the longest one run may take, time spent waiting for answers aside; default: no limit. */
  runTimeoutSec?: number;
  /** `[telegram] allowed_users`: who may answer Codex's questions (from the run's chat). */
  allowedUsers: readonly string[];
  /** How long a question waits for an answer before it is declined; default 600. */
  approvalTimeoutSec?: number;
  trace: TraceLog;
  version: string;
}

/** A run in progress: its summary, its events so far, how to stop it, its questions and time limit, and its end. */
interface Run {
  job: JobSummary;
  /** The runner's texts in the requester's language. */
  t: Catalog['runner'];
  /** The files sent with the request (kept by `LocalFiles` until the run). */
  attachments: readonly Attachment[];
  /** The run's inbox and outbox, once written. */
  files?: RunContext['files'];
  seq: number;
  abort: AbortController;
  questions: RunQuestions;
  deadline: RunDeadline | undefined;
  done: Promise<void>;
}

/**
 * Jobs run right here, through the runner's executor (Codex, or echo when allowed): `single`
 * continues the session's Codex thread, `multi` runs the configured agents one after another.
 * Job ids count from 1 per process; the session file keeps the Codex thread across restarts.
 */
export class LocalGateway implements JobGateway {
  private readonly listeners = new Set<(update: ChatJobUpdate) => void>();
  private readonly runs = new Map<number, Run>();
  private nextId = 1;
  private readonly startedAt = new Date().toISOString();
  private readonly files = new LocalFiles();

  constructor(private readonly options: LocalGatewayOptions) {}

  submit(request: ChatJobRequest): Promise<JobSummary> {
    const now = new Date().toISOString();
    const job: JobSummary = { id: this.nextId++, status: 'running', prompt: request.prompt, node: 'local', createdAt: now, startedAt: now, lastSeq: 0 };
    const abort = new AbortController();
    const language = typeof request.origin.language === 'string' ? request.origin.language : undefined;
    const run: Run = { job, t: catalogOf(languageOf(language)).runner, attachments: request.attachments ?? [], seq: 0, abort, questions: this.questionsOf(job.id, request.origin, (event) => this.emit(run, event)), deadline: undefined, done: Promise.resolve() };
    this.runs.set(job.id, run);
    const session = this.options.sessionOf(request.origin);
    // Started on the next turn: the engine tracks the job once `submit` resolves, and a fast
    // executor (echo) must not finish before anyone listens for it.
    run.done = new Promise((resolve) => setImmediate(resolve)).then(() => this.execute(run, session));
    return Promise.resolve({ ...job });
  }

  /** Keeps a chat's photo or document until its request runs; the run puts it in the working directory's `.csc/inbox/`. */
  upload(file: UploadFile): Promise<Attachment> {
    return this.files.upload(file);
  }

  /** Interrupts the run and waits until it has stopped, at most `cancelWaitMs`. */
  async cancel(jobId: number): Promise<void> {
    const run = this.runs.get(jobId);
    if (!run) return;
    run.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.options.cancelWaitMs)));
    const outcome = await Promise.race([run.done.then(() => 'done' as const), timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') throw new Error(`job #${jobId} did not stop within ${this.options.cancelWaitMs / 1000} s`);
  }

  status(): Promise<GatewayStatus> {
    return Promise.resolve({ master: { version: this.options.version, startedAt: this.startedAt, queued: 0, active: this.runs.size }, nodes: [] });
  }

  /** A chat user's answer to a question of a run: decided here, first answer wins. */
  answer(jobId: number, questionId: string, answer: QuestionAnswer, user: ChatAnswerer): Promise<AnswerOutcome> {
    const run = this.runs.get(jobId);
    if (!run) return Promise.resolve({ outcome: 'not_found', message: catalogOf(languageOf(user.language)).runner.notRunning(jobId) });
    return Promise.resolve(run.questions.answer(questionId, answer, user));
  }

  onUpdate(listener: (update: ChatJobUpdate) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Interrupts every run and waits for them (Ctrl+C). */
  async stopAll(): Promise<void> {
    const runs = [...this.runs.values()];
    for (const run of runs) run.abort.abort();
    await Promise.all(runs.map((run) => run.done));
  }

  private async execute(run: Run, session: Session): Promise<void> {
    const profile = this.options.profiles[session.profile ?? this.options.defaultProfile] ?? this.options.profiles[this.options.defaultProfile];
    const settle = this.deadline(run);
    const cwd = profile?.workingDirectory ?? process.cwd();
    let result: JobResult;
    try {
      run.files = this.files.receive(cwd, run.attachments);
      result =
        session.mode === 'multi' ? await this.pipeline(run, profile, session.threadId) : await this.step(run, run.job.prompt, profile, profile?.model, session.threadId);
    } catch (error) {
      result = keepThread({ status: 'failed', error: (error as Error).message, filesChanged: [], commands: [], durationMs: 0 }, session.threadId);
      this.options.trace.write('error', { job: run.job.id, message: (error as Error).message });
    }
    result = settle(result);
    this.sendBack(run, cwd);
    run.questions.end();
    this.runs.delete(run.job.id);
    const { job } = run;
    const final: JobSummary = { ...job, status: result.status, finishedAt: new Date().toISOString(), result, ...(result.error === undefined ? {} : { error: result.error }) };
    this.options.trace.write('run_step', { job: job.id, step: 'finished', status: result.status, threadId: result.threadId });
    this.publish({ job: final, events: [] });
  }

  /** What Codex left in the outbox goes back as `file` events; inbox and outbox are then removed. */
  private sendBack(run: Run, cwd: string): void {
    try {
      this.files.finish(cwd, (event) => this.emit(run, event));
    } catch (error) {
      this.options.trace.write('error', { job: run.job.id, message: `outbox: ${(error as Error).message}` });
    }
  }

  /** Interrupts the run once `runTimeoutSec` is up (paused while a question waits); what it returns makes such a run's result say so. */
  private deadline(run: Run): (result: JobResult) => JobResult {
    const seconds = this.options.runTimeoutSec;
    if (seconds === undefined) return (result) => result;
    const started = Date.now();
    const deadline = new RunDeadline(seconds * 1000, () => run.abort.abort());
    run.deadline = deadline;
    return (result) => {
      deadline.stop();
      if (!deadline.expired || result.status === 'succeeded') return result;
      const error = run.t.timedOut(seconds);
      this.options.trace.write('error', { job: run.job.id, message: error });
      // A run stopped before Codex took it reports no duration of its own.
      return { ...result, status: 'failed', error, durationMs: Math.max(result.durationMs, Date.now() - started) };
    };
  }

  /** A run's questions; asked only where the approval policy has Codex ask (`never`: Codex declines them itself). */
  private questionsOf(jobId: number, origin: ChatJobRequest['origin'], emit: (event: JobEvent) => void): RunQuestions {
    return new RunQuestions({
      jobId,
      origin,
      allowedUsers: this.options.allowedUsers,
      timeoutSec: this.options.approvalTimeoutSec ?? DEFAULT_APPROVAL_TIMEOUT_SEC,
      emit,
      waiting: (questions) => (questions ? this.runs.get(jobId)?.deadline?.pause() : this.runs.get(jobId)?.deadline?.resume()),
    });
  }

  /** One Codex turn; its events become job updates and trace lines. */
  private step(run: Run, prompt: string, profile: RunProfile | undefined, model: string | undefined, threadId?: string): Promise<JobResult> {
    const spec: JobSpec = {
      id: run.job.id,
      prompt,
      profile: { ...(model === undefined ? {} : { model }), sandbox: this.options.sandbox, approvalPolicy: this.options.approvalPolicy },
      ...(threadId === undefined ? {} : { threadId }),
      attempt: 1,
      nextSeq: run.seq + 1,
    };
    const context: RunContext = { cwd: profile?.workingDirectory ?? process.cwd(), emit: (event) => this.emit(run, event), signal: run.abort.signal, ...(run.files && { files: run.files }) };
    if (this.options.approvalPolicy !== undefined && this.options.approvalPolicy !== 'never') context.ask = (question, signal) => run.questions.ask(question, signal);
    return this.options.executor.run(spec, context);
  }

  /**
   * `multi`: each agent gets the request and the previous agents' answers; the reviewer's verdict
   * ends the answer. `threadId` is the session's single-mode conversation, which it leaves as it was.
   */
  private async pipeline(run: Run, profile: RunProfile | undefined, threadId: string | undefined): Promise<JobResult> {
    const outputs: string[] = [];
    let last: JobResult | undefined;
    for (const [index, agent] of this.options.agents.entries()) {
      this.emit(run, { kind: 'agent_message', text: run.t.step(index + 1, this.options.agents.length, agent.name) });
      const context = outputs.length > 0 ? `\n\n${outputs.join('\n\n')}` : '';
      last = await this.step(run, `${agent.prompt}\n\nRequest: ${run.job.prompt}${context}`, profile, agent.model ?? profile?.model);
      if (last.status !== 'succeeded') return keepThread(last, threadId);
      outputs.push(`## ${agent.name}\n${last.finalMessage ?? ''}`);
    }
    const finalMessage = outputs.join('\n\n');
    const rest = keepThread(last ?? { status: 'succeeded', filesChanged: [], commands: [], durationMs: 0 }, threadId);
    return { ...rest, status: 'succeeded', finalMessage, summary: outputs.at(-1)?.split('\n').at(-1)?.slice(0, 200) ?? '' };
  }

  private emit(run: Run, event: JobEvent): void {
    if (event.kind === 'agent_message_delta') return;
    run.seq += 1;
    run.job.lastSeq = run.seq;
    if (run.questions.states.length > 0) run.job.questions = run.questions.states;
    const sequenced: SequencedJobEvent = { seq: run.seq, at: new Date().toISOString(), event };
    this.options.trace.write('run_step', { job: run.job.id, event });
    this.publish({ job: { ...run.job }, events: [sequenced] });
  }

  private publish(update: ChatJobUpdate): void {
    for (const listener of this.listeners) listener(update);
  }
}

/**
 * The result with the session's conversation as its thread. The engine continues whatever thread a
 * result names and forgets the session's when it names none, so a multi run (each agent has its own
 * thread) or a run that threw must hand the session's back.
 */
function keepThread(result: JobResult, threadId: string | undefined): JobResult {
  const kept: JobResult = { ...result };
  delete kept.threadId;
  return threadId === undefined ? kept : { ...kept, threadId };
}
