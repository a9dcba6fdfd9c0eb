import type { Logger } from '../../log/index.js';
import { FINAL_JOB_STATUSES, type JobCancelReason, type JobEventsFrame } from '../../protocol/index.js';
import type { Hub } from '../hub/index.js';
import type { JobRecord } from '../store/index.js';

/** What the master tells a node whose copy of a job is not the job's current attempt. */
export interface Refusal {
  reason: Exclude<JobCancelReason, 'cancel'>;
  /** For the node's log, in plain words. */
  message: string;
}

/**
 * Answers for a node's copy of a job that is not the live one: events of an attempt that is not
 * current, and `hello.runningJobs` claims of jobs not out on that node. The master alone decides
 * which copy is live; the others are never stored and are told why they must stop
 * (`superseded`, `ended`, `not_assigned`).
 *
 * It remembers which node lost which attempt when a job was re-queued, so that a node coming back
 * with that copy hears `superseded` rather than `not_assigned`. That memory is not stored: after a
 * master restart such a node hears `not_assigned`, which it handles the same way.
 */
export class Claims {
  /** Job id → node → the attempt it had when the job was taken from it. */
  private readonly former = new Map<number, Map<string, number>>();

  constructor(
    private readonly hub: Pick<Hub, 'sendToNode'>,
    /** A job from the store: for ids no longer (or never) among the unfinished jobs. */
    private readonly stored: (id: number) => Promise<JobRecord | undefined>,
    private readonly log: Logger,
  ) {}

  /** The job is being re-queued: its node's copy (if any) is superseded from now on. */
  takenBack(job: JobRecord): void {
    if (job.node === undefined) return;
    let nodes = this.former.get(job.id);
    if (!nodes) this.former.set(job.id, (nodes = new Map<string, number>()));
    nodes.set(job.node, job.attempt);
  }

  /** The job has ended: every copy is answered `ended` from the store now. */
  ended(jobId: number): void {
    if (this.former.size > 0) this.former.delete(jobId);
  }

  /**
   * Events of a copy that is not the job's current attempt (`job`: the unfinished record, if
   * any): never stored, acknowledged so that the node forgets them, and answered with why the
   * copy must stop. Except from the job's own node: frames of an old attempt still in flight when
   * the new attempt reached it. That node has replaced the old copy already, and a `job_cancel`
   * (which names a job, not an attempt) would stop the current one; it is acknowledged only up to
   * what is stored.
   */
  refuseEvents(nodeName: string, frame: JobEventsFrame, job: JobRecord | undefined): void {
    const seq = frame.events.at(-1)?.seq ?? 0;
    if (job?.node === nodeName) {
      // Only what is stored: an ack names a job, not an attempt, and the frame's last seq would
      // make the node forget events of its current attempt that the master has not stored yet.
      this.hub.sendToNode(nodeName, { type: 'job_ack', jobId: frame.jobId, seq: job.lastSeq });
      this.log.info({ job: job.id, node: nodeName, attempt: frame.attempt, current: job.attempt }, 'dropped events of an earlier attempt');
      return;
    }
    this.answer(nodeName, frame.jobId, job, frame.attempt, ({ reason, message }) => {
      this.hub.sendToNode(nodeName, { type: 'job_cancel', jobId: frame.jobId, reason, message });
      this.hub.sendToNode(nodeName, { type: 'job_ack', jobId: frame.jobId, seq });
      this.log.warn({ job: frame.jobId, node: nodeName, attempt: frame.attempt, reason }, `refused events: ${message}`);
    });
  }

  /**
   * Tells a node to stop each job it claims (`hello.runningJobs`) that is not in `kept`. The
   * unfinished jobs' answers go at once, before anything can be dispatched to the node (a new
   * attempt's `job_assign` must follow the old copy's `job_cancel`); the others', which name jobs
   * that have ended or never were, once the store has said which.
   */
  refuseClaims(nodeName: string, claimed: Iterable<number>, kept: ReadonlySet<number>, active: ReadonlyMap<number, JobRecord>): void {
    for (const id of claimed) {
      if (kept.has(id)) continue;
      this.answer(nodeName, id, active.get(id), undefined, ({ reason, message }) => {
        this.hub.sendToNode(nodeName, { type: 'job_cancel', jobId: id, reason, message });
        this.log.warn({ job: id, node: nodeName, reason }, `refused a claim: ${message}`);
      });
    }
  }

  /** Calls `send` with the refusal: at once for an unfinished job, after the store's answer for any other. */
  private answer(node: string, jobId: number, job: JobRecord | undefined, attempt: number | undefined, send: (refusal: Refusal) => void): void {
    if (job) {
      send(this.refusal(node, jobId, job, attempt));
      return;
    }
    this.stored(jobId).then(
      (stored) => send(refusalOf(jobId, stored)),
      (error: unknown) => this.log.error({ err: error, job: jobId, node }, 'could not answer a copy of a job that is not running: the store did not say whether it has ended'),
    );
  }

  /**
   * Why `node` may not hold unfinished job `job`. `attempt` is the attempt the node said it has,
   * when it said one: a node only knows attempts the master gave it, so that copy was superseded.
   */
  private refusal(node: string, jobId: number, job: JobRecord, attempt?: number): Refusal {
    const now = job.node === undefined ? `it is queued for attempt ${job.attempt + 1}` : `attempt ${job.attempt} runs on node ${job.node}`;
    const lost = this.former.get(jobId)?.get(node) ?? attempt;
    if (lost !== undefined) return { reason: 'superseded', message: `job ${jobId} was taken back from node ${node} after attempt ${lost} and re-queued; ${now}` };
    return { reason: 'not_assigned', message: `job ${jobId} was never given to node ${node}; ${now}` };
  }

  /** Forgets which nodes lost which attempts (the unfinished jobs were reloaded from the store). */
  clear(): void {
    this.former.clear();
  }
}

/** Why a node may not hold a job this master does not hold: ended, held elsewhere (another master's), or none such. */
function refusalOf(jobId: number, stored: JobRecord | undefined): Refusal {
  if (stored === undefined) return { reason: 'not_assigned', message: `there is no job ${jobId} on this master` };
  if (FINAL_JOB_STATUSES.has(stored.status)) return { reason: 'ended', message: `job ${jobId} has already ended (${stored.status})` };
  const where = stored.node === undefined ? 'it is queued' : `attempt ${stored.attempt} runs on node ${stored.node}`;
  return { reason: 'not_assigned', message: `job ${jobId} is not held by this master for this node; ${where}` };
}
