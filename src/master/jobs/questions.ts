import type { Logger } from '../../log/index.js';
import { FINAL_JOB_STATUSES, isoNow, type Answerer, type JobEvent, type JobQuestion, type QuestionAnswer, type QuestionState, type SequencedJobEvent } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { Hub } from '../hub/index.js';
import type { JobChanges, JobRecord } from '../store/index.js';
import type { JobTimers } from './job-timers.js';
import type { JobLedger } from './ledger.js';
import { pendingQuestions } from './question-waiting.js';

type AnswerEvent = Extract<JobEvent, { kind: 'answer' }>;

/** Answers a question of a job another master holds, there; undefined when no other master holds it. */
export type AnswerElsewhere = (jobId: number, questionId: string, answer: QuestionAnswer, by: Answerer) => Promise<QuestionState | undefined>;

/** A timer may fire a little early against `Date.now()`; a deadline this close counts as reached. */
const DEADLINE_SLACK_MS = 20;

/**
 * Codex's questions of the jobs, as `JobService` keeps them (`JobRecord.questions`): a `question`
 * event makes one pending (its deadline the job's approval timeout from now), the first answer
 * wins (a person's, the approval timer's decline, the node's own), is stored, and goes to the
 * job's node as `job_answer` until the node's `answer` event says it told Codex. While a job has
 * a pending question its own timeout is paused; one approval timer per job runs to the earliest
 * deadline. Every write goes through the ledger, so the store commits it before the frames and
 * responses that announce it leave.
 */
export class Questions {
  /** Per job, the questions whose `answer` event the node has sent: their answers are not sent again. */
  private readonly recorded = new Map<number, Set<string>>();
  /** Other masters share the jobs: where the questions of the jobs they hold are answered. */
  private elsewhere: AnswerElsewhere | undefined;

  constructor(
    private readonly jobs: JobLedger,
    private readonly timers: JobTimers,
    private readonly hub: Pick<Hub, 'sendToNode'>,
    /** `MASTER_APPROVAL_TIMEOUT`: seconds a question waits unless the job's profile says otherwise. */
    private readonly defaultTimeoutSec: number,
    private readonly log: Logger,
  ) {}

  /** Takes the `question` and `answer` events among a job's fresh ones; returns the job as now stored. */
  ingest(job: JobRecord, fresh: readonly SequencedJobEvent[]): JobRecord {
    let states: QuestionState[] | undefined;
    for (const { at, event } of fresh) {
      if (event.kind === 'question') this.asked(job, (states ??= [...(job.questions ?? [])]), event.question, at);
      else if (event.kind === 'answer') this.told(job, (states ??= [...(job.questions ?? [])]), event);
    }
    if (states === undefined) return job;
    const saved = this.jobs.save(job, { questions: states });
    this.rearm(saved);
    return saved;
  }

  /**
   * Answers a pending question: the first answer wins. `not_found` for no such job or question,
   * `conflict` once it is decided (the message says how, by whom and when), `bad_request` for a
   * decision the question does not offer (declining is always possible). A job another master
   * holds is answered by that master (`route` false: here or not at all, for a request it sent).
   */
  async answer(jobId: number, questionId: string, answer: QuestionAnswer, by: Answerer, route = true): Promise<QuestionState> {
    const found = await this.jobs.find(jobId);
    // With other masters: a job not out on a node of this one (a queued copy may be behind: another
    // master's node may run it by now) is answered by its owner, if it has one.
    if (this.elsewhere !== undefined && !this.heldOut(jobId) && !FINAL_JOB_STATUSES.has(found.status)) {
      const there = route ? await this.elsewhere(jobId, questionId, answer, by) : undefined;
      if (there !== undefined) return there;
      // Out on a node, held by no master right now (being taken over): not answered from a stale copy.
      if (found.status !== 'queued' && !this.heldOut(jobId)) throw new CodedError('conflict', `job ${jobId} is changing hands between masters; answer again in a moment`);
    }
    // Decided on the job as it is now in memory: it may have changed while a read ran.
    const job = this.jobs.active.get(jobId) ?? found;
    const index = job.questions?.findIndex((state) => state.question.id === questionId) ?? -1;
    const state = job.questions?.[index];
    if (state === undefined) throw new CodedError('not_found', `job ${jobId} has no question ${questionId}`);
    if (state.status !== 'pending') throw new CodedError('conflict', alreadyDecided(state));
    const { decisions } = state.question;
    if (answer.decision !== 'decline' && !decisions.includes(answer.decision)) {
      throw new CodedError('bad_request', `question ${questionId} offers ${decisions.join(', ')}, not ${answer.decision}`);
    }
    return this.decide(job, [index], answer, by)[0] as QuestionState;
  }

  /** Whether the job is held here out on a node (this master's own). */
  private heldOut(jobId: number): boolean {
    const status = this.jobs.active.get(jobId)?.status;
    return status === 'assigned' || status === 'running';
  }

  /** Sends the answers to questions of jobs another master holds to that master. */
  routeTo(elsewhere: AnswerElsewhere): void {
    this.elsewhere = elsewhere;
  }

  /** The job is no longer held here (another master's now): what was kept for it goes. */
  forget(jobId: number): void {
    this.recorded.delete(jobId);
  }

  /** A job's questions, oldest first; `not_found` for no such job. */
  async list(jobId: number): Promise<QuestionState[]> {
    return (await this.jobs.find(jobId)).questions ?? [];
  }

  /** A question's state; `not_found` for no such job or question. */
  async get(jobId: number, questionId: string): Promise<QuestionState> {
    const state = (await this.jobs.find(jobId)).questions?.find((s) => s.question.id === questionId);
    if (state === undefined) throw new CodedError('not_found', `job ${jobId} has no question ${questionId}`);
    return state;
  }

  /** The unfinished jobs with a question nobody has answered yet, oldest first. */
  waitingJobs(): JobRecord[] {
    return [...this.jobs.active.values()].filter((job) => pendingQuestions(job).length > 0);
  }

  /**
   * The job's attempt is over (it ended, or goes back to the queue): its pending questions become
   * moot. Returns `changes`, the ones that end the attempt, with those questions when there are any.
   */
  ended(job: JobRecord, changes: JobChanges): JobChanges {
    this.recorded.delete(job.id);
    if (pendingQuestions(job).length > 0) changes.questions = (job.questions ?? []).map((state) => (state.status === 'pending' ? withStatus(state, 'moot') : state));
    return changes;
  }

  /** A node is back with these jobs: answers it has not told Codex yet go to it again. */
  nodeReady(node: string, jobs: readonly JobRecord[]): void {
    for (const job of jobs) {
      const told = this.recorded.get(job.id);
      for (const state of job.questions ?? []) {
        if (state.status === 'answered' && state.attempt === job.attempt && !told?.has(state.question.id)) this.send(node, job.id, state);
      }
    }
  }

  /** After a start or a reload from the store: approval timers and paused job timeouts as the stored questions say. */
  restore(jobs: readonly JobRecord[]): void {
    // Every job, not only those with questions: a question stored in a turn that was rolled back is gone.
    for (const job of jobs) this.rearm(job);
  }

  private asked(job: JobRecord, states: QuestionState[], question: JobQuestion, at: string): void {
    if (states.some((state) => state.question.id === question.id)) return;
    const timeoutSec = job.profile.approvalTimeoutSec ?? this.defaultTimeoutSec;
    const deadline = new Date(Date.now() + timeoutSec * 1000).toISOString();
    states.push({ question, attempt: job.attempt, askedAt: at, deadline, status: 'pending' });
    this.log.info({ job: job.id, question: question.id, kind: question.kind, deadline }, 'Codex asked a question');
  }

  /** The node told Codex an answer: what it told Codex is what the state says from now on. */
  private told(job: JobRecord, states: QuestionState[], event: AnswerEvent): void {
    let told = this.recorded.get(job.id);
    if (!told) this.recorded.set(job.id, (told = new Set()));
    told.add(event.questionId);
    const index = states.findIndex((state) => state.question.id === event.questionId);
    const state = states[index];
    if (state === undefined) {
      this.log.warn({ job: job.id, question: event.questionId }, 'the node answered a question the master never saw');
      return;
    }
    if (state.status === 'answered' && sameAnswer(state, event)) return;
    if (state.status === 'answered') this.log.info({ job: job.id, question: event.questionId, by: event.by.via }, 'the node settled a question otherwise than the master had');
    states[index] = answered(state, event.answer, event.by);
  }

  /** Records answers to pending questions (by index), tells the listeners and the node, and re-arms the timers. */
  private decide(job: JobRecord, indexes: readonly number[], answer: QuestionAnswer, by: Answerer): QuestionState[] {
    const states = [...(job.questions ?? [])];
    const decided = indexes.map((i) => (states[i] = answered(states[i] as QuestionState, answer, by)));
    const saved = this.jobs.save(job, { questions: states });
    this.log.info({ job: job.id, questions: decided.map((s) => s.question.id), decision: answer.decision, via: by.via }, 'question answered');
    this.jobs.notify(saved, []);
    if (saved.node !== undefined) for (const state of decided) this.send(saved.node, saved.id, state);
    this.rearm(saved);
    return decided;
  }

  /** Declines the job's questions whose deadline has passed, and arms the timer for the next. */
  private expire(jobId: number): void {
    const job = this.jobs.active.get(jobId);
    if (!job?.questions) return;
    const now = Date.now() + DEADLINE_SLACK_MS;
    const due = job.questions.flatMap((state, i) => (state.status === 'pending' && Date.parse(state.deadline) <= now ? [i] : []));
    if (due.length === 0) return this.rearm(job);
    this.decide(job, due, { decision: 'decline' }, { via: 'timeout', at: isoNow() });
  }

  /** With a question pending: the job's timeout paused, the approval timer at the earliest deadline. Without: the reverse. */
  private rearm(job: JobRecord): void {
    const deadlines = pendingQuestions(job).map((state) => Date.parse(state.deadline));
    if (deadlines.length === 0) {
      this.timers.clear('approval', job.id);
      this.timers.resume('timeout', job.id);
      return;
    }
    this.timers.pause('timeout', job.id);
    this.timers.set('approval', job.id, Math.max(0, Math.min(...deadlines) - Date.now()), () => this.expire(job.id));
  }

  private send(node: string, jobId: number, state: QuestionState): void {
    if (state.answer === undefined || state.by === undefined) return;
    this.hub.sendToNode(node, { type: 'job_answer', jobId, questionId: state.question.id, answer: state.answer, by: state.by });
  }
}

/** `state` with a new status; `Object.assign`, not a spread, for the reason `withChanges` gives. */
function withStatus(state: QuestionState, status: QuestionState['status']): QuestionState {
  return Object.assign({}, state, { status });
}

/** Whether the node's `answer` event is the answer the master decided (the node echoes its `job_answer`). */
function sameAnswer(state: QuestionState, event: AnswerEvent): boolean {
  return state.answer?.decision === event.answer.decision && state.by?.via === event.by.via && state.by.at === event.by.at;
}

function answered(state: QuestionState, answer: QuestionAnswer, by: Answerer): QuestionState {
  return Object.assign({}, state, { status: 'answered' as const, answer, by });
}

/** Why a question takes no answer any more: how it was decided, by whom, and when. */
export function alreadyDecided(state: QuestionState): string {
  const id = state.question.id;
  if (state.status === 'moot') return `already decided: question ${id} no longer waits (the attempt of the job that asked it is over)`;
  const decision = state.answer?.decision ?? 'answered';
  const at = state.by?.at ?? '?';
  switch (state.by?.via) {
    case 'timeout':
      return `already decided: question ${id} was declined at ${at}, unanswered by its deadline`;
    case 'node':
      return `already decided: the node settled question ${id} (${decision}) at ${at}`;
    default:
      return `already decided: ${decision} by ${state.by?.name ?? state.by?.userId ?? 'someone'} (${state.by?.via ?? '?'}) at ${at}`;
  }
}
