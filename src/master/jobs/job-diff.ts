import { FINAL_JOB_STATUSES } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';
import type { DiffPart, JobRecord } from '../store/index.js';

/** A job's unified diff as its node sent it, and whether the node cut it at its size cap. */
export interface JobDiff {
  text: string;
  truncated: boolean;
}

/**
 * The diff of a job from its stored `diff` events: the parts of the last run that starts at part 1
 * (a re-run attempt sends its own), in part order, each once. `not_found` when the job has none
 * (or an empty one); while parts are still missing, `conflict` for a job that is still out and
 * `not_found` for one that ended without them.
 */
export function assembleDiff(job: JobRecord, parts: readonly DiffPart[]): JobDiff {
  let start = -1;
  for (let i = parts.length - 1; i >= 0 && start < 0; i--) if (parts[i]?.part === 1) start = i;
  const first = parts[start];
  if (first === undefined) throw new CodedError('not_found', `job ${job.id} has no diff`);
  const texts: string[] = [];
  for (let i = start; i < parts.length; i++) {
    const part = parts[i];
    // In part order and each once, whatever else a node that resent or misnumbered added.
    if (part && part.parts === first.parts && part.part === texts.length + 1) texts.push(part.text);
  }
  if (texts.length < first.parts) {
    const arrived = `${texts.length} of ${first.parts} parts`;
    if (!FINAL_JOB_STATUSES.has(job.status)) throw new CodedError('conflict', `job ${job.id}'s diff is still arriving (${arrived} so far)`);
    throw new CodedError('not_found', `job ${job.id} has no whole diff: its node sent ${arrived}`);
  }
  const text = texts.join('');
  if (text === '') throw new CodedError('not_found', `job ${job.id} has no diff`);
  return { text, truncated: job.result?.change?.truncated ?? false };
}
