import type { Catalog } from './i18n/index.js';
import type { ChatFile, JobSummary, SequencedJobEvent } from './types.js';

/**
 * The largest diff sent as a file with a chat answer: past it a chat attachment is no way to
 * review a change (the dashboard is), and the bridge would hold megabytes per job for nothing.
 */
export const MAX_ATTACHED_DIFF_BYTES = 1024 * 1024;

/**
 * One job's unified diff as its `diff` events bring it (parts 1..n, in order), kept only while
 * it stays small enough to attach: past `maxBytes` every part is dropped and no more are kept.
 */
export class DiffParts {
  private readonly parts = new Map<number, string>();
  private count: number | undefined;
  private bytes = 0;
  private tooLarge = false;

  constructor(private readonly maxBytes = MAX_ATTACHED_DIFF_BYTES) {}

  add(events: readonly SequencedJobEvent[]): void {
    for (const { event } of events) {
      if (event.kind !== 'diff' || this.tooLarge || this.parts.has(event.part)) continue;
      this.bytes += Buffer.byteLength(event.text);
      if (this.bytes > this.maxBytes) {
        this.tooLarge = true;
        this.parts.clear();
        continue;
      }
      this.parts.set(event.part, event.text);
      this.count = event.parts;
    }
  }

  /** The whole diff, or undefined when it is too large or a part never came (events dropped on the way). */
  text(): string | undefined {
    if (this.tooLarge || this.count === undefined) return undefined;
    const parts: string[] = [];
    for (let part = 1; part <= this.count; part++) {
      const text = this.parts.get(part);
      if (text === undefined) return undefined;
      parts.push(text);
    }
    return parts.join('');
  }
}

/** The `.diff` file for a finished job's answer, when its change is complete, small, and all here. */
export function diffFile(t: Catalog, job: JobSummary, parts: DiffParts): ChatFile | undefined {
  const change = job.result?.change;
  if (change === undefined || change.truncated || change.files.length === 0 || change.diffBytes > MAX_ATTACHED_DIFF_BYTES) return undefined;
  const text = parts.text();
  if (text === undefined || text === '') return undefined;
  return {
    name: `job-${job.id}.diff`,
    content: Buffer.from(text, 'utf8'),
    caption: t.job.diffCaption(job.id, change.files.length, change.added, change.removed),
  };
}
