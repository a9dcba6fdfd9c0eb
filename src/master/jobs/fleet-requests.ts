import { z } from 'zod';
import type { Logger } from '../../log/index.js';
import {
  AnswererSchema,
  ErrorCodeSchema,
  FINAL_JOB_STATUSES,
  PublishModeSchema,
  QuestionAnswerSchema,
  QuestionIdSchema,
  type Answerer,
  type ErrorCode,
  type PublishMode,
  type QuestionAnswer,
  type QuestionState,
} from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { Fleet } from '../fleet/fleet.js';
import type { FleetAsk, FleetReply, JobRecord } from '../store/index.js';

const AnswerPayload = z.object({ questionId: QuestionIdSchema, answer: QuestionAnswerSchema, by: AnswererSchema });
const PublishPayload = z.object({ mode: PublishModeSchema, waitMs: z.number().int().positive() });

/** How often a cancel looks again at a job that changed hands while it was being cancelled. */
const CANCEL_TRIES = 5;

/** What another master may ask this one to do, here and nowhere else. */
export interface LocalOperations {
  cancel(jobId: number): Promise<JobRecord>;
  answer(jobId: number, questionId: string, answer: QuestionAnswer, by: Answerer): Promise<QuestionState>;
  publish(jobId: number, mode: PublishMode, waitMs: number): Promise<JobRecord>;
}

/** What a cancel with other masters needs of the job layer. */
export interface CancelParts {
  /** The job as held here, if it is. */
  active(id: number): JobRecord | undefined;
  /** The job as the store has it now. */
  stored(id: number): Promise<JobRecord | undefined>;
  /** A claim of the job under way here, if one is. */
  claimSettled(id: number): Promise<void> | undefined;
  /** Cancels a job held here out on a node (through its node). */
  cancelOut(job: JobRecord): JobRecord;
  /** Takes a queued job the store has into memory. */
  takeQueued(job: JobRecord): void;
  /** Cancels a queued job held here if the store still has it queued; undefined when another master took it. */
  cancelQueued(job: JobRecord): Promise<JobRecord | undefined>;
}

/**
 * Requests for jobs another master owns (cancel, a question's answer, publish), made on this
 * master: carried to the owner (`Fleet.owner`, `Fleet.ask`), which runs its local operation and
 * replies with the value or the coded error, rethrown here as it was thrown there. And the other
 * side: serving the requests sent to this master (`Fleet.serve`). A request served here is run
 * here only: a job that moved on meanwhile is a `conflict` for the asker to try again, never a
 * request passed on.
 */
export class FleetRequests {
  private closed = false;

  constructor(
    private readonly fleet: Fleet,
    private readonly log: Logger,
  ) {}

  /** Serves the requests of other masters with the local operations. */
  serve(local: LocalOperations): void {
    this.fleet.serve((ask) => this.served(ask, local));
  }

  /** Stops serving: requests that come are answered that this master is stopping. */
  close(): void {
    this.closed = true;
  }

  /** Asks the master that owns an unfinished job; undefined when no other master owns it. */
  async toOwner(jobId: number, kind: FleetAsk['kind'], payload: unknown): Promise<{ value: unknown } | undefined> {
    const owner = await this.fleet.owner(jobId);
    if (owner === undefined || owner === this.fleet.masterId) return undefined;
    return { value: await this.ask(owner, { jobId, kind, payload }) };
  }

  /** The answer to a question of a job another master owns, from that master; undefined when none does. */
  async answer(jobId: number, questionId: string, answer: QuestionAnswer, by: Answerer): Promise<QuestionState | undefined> {
    const routed = await this.toOwner(jobId, 'answer', { questionId, answer, by });
    return routed?.value as QuestionState | undefined;
  }

  /** Publishes through the master `node` is connected to, when another one; undefined when none is. */
  publish(node: string, jobId: number, mode: PublishMode, waitMs: number): Promise<JobRecord> | undefined {
    const there = this.fleet.remoteNodes().find((live) => live.info.name === node && live.masterId !== this.fleet.masterId);
    if (there === undefined) return undefined;
    // The owner waits up to `waitMs` for its node: this master waits that long more than for any ask.
    return this.ask(there.masterId, { jobId, kind: 'publish', payload: { mode, waitMs } }, waitMs) as Promise<JobRecord>;
  }

  /**
   * Cancels a job with other masters sharing the jobs: through its node when it is out on one of
   * this master's; a queued one here, if the store still has it queued (claimed meanwhile: asked
   * of its new owner); one out on another master's node by that master. `route` false (a request
   * another master sent): never passed on.
   */
  async cancel(parts: CancelParts, id: number, found: JobRecord, route: boolean): Promise<JobRecord> {
    let record: JobRecord | undefined = found;
    for (let tries = 0; tries < CANCEL_TRIES; tries++) {
      await parts.claimSettled(id);
      const held = parts.active(id);
      if (held !== undefined && held.status !== 'queued') return parts.cancelOut(held);
      if (held === undefined && record !== undefined && record.status === 'queued') parts.takeQueued(record);
      const queued = parts.active(id);
      if (queued?.status === 'queued') {
        const cancelled = await parts.cancelQueued(queued);
        if (cancelled !== undefined) return cancelled;
      } else if (record === undefined) {
        throw new CodedError('not_found', `no job ${id}`);
      } else if (FINAL_JOB_STATUSES.has(record.status)) {
        throw new CodedError('conflict', `job ${id} has already ${record.status === 'lost' ? 'been lost' : record.status}`);
      } else if (queued === undefined) {
        const routed = route ? await this.toOwner(id, 'cancel', {}) : undefined;
        if (routed !== undefined) return routed.value as JobRecord;
        if (!route) throw new CodedError('conflict', `job ${id} is not held by this master any more; cancel it again`);
      }
      record = await parts.stored(id);
    }
    throw new CodedError('conflict', `job ${id} is changing hands between masters; cancel it again in a moment`);
  }

  private async ask(to: string, ask: FleetAsk, workMs?: number): Promise<unknown> {
    const reply = await this.fleet.ask(to, ask, workMs);
    if (reply.ok) return reply.value;
    const code = ErrorCodeSchema.safeParse(reply.code);
    throw new CodedError(code.success ? code.data : 'internal', reply.message);
  }

  private async served(ask: FleetAsk, local: LocalOperations): Promise<FleetReply> {
    if (this.closed) return { ok: false, code: 'node_unavailable', message: 'the master that holds the job is shutting down; try again in a moment' };
    try {
      return { ok: true, value: await this.run(ask, local) };
    } catch (error) {
      if (error instanceof CodedError) return { ok: false, code: error.code, message: error.message };
      this.log.error({ err: error, job: ask.jobId, kind: ask.kind }, 'a request of another master failed');
      return { ok: false, code: 'internal' satisfies ErrorCode, message: error instanceof Error ? error.message : String(error) };
    }
  }

  private run(ask: FleetAsk, local: LocalOperations): Promise<unknown> {
    switch (ask.kind) {
      case 'cancel':
        return local.cancel(ask.jobId);
      case 'answer': {
        const { questionId, answer, by } = parsed(AnswerPayload, ask);
        return local.answer(ask.jobId, questionId, answer, by);
      }
      case 'publish': {
        const { mode, waitMs } = parsed(PublishPayload, ask);
        return local.publish(ask.jobId, mode, waitMs);
      }
    }
  }
}

function parsed<T>(schema: z.ZodType<T>, ask: FleetAsk): T {
  const result = schema.safeParse(ask.payload);
  if (!result.success) throw new CodedError('bad_request', `a ${ask.kind} request for job ${ask.jobId} from another master could not be read: ${result.error.message}`);
  return result.data;
}
