import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JobSpecSchema, SequencedJobEventSchema, type JobSpec, type SequencedJobEvent } from '../protocol/index.js';
import type { EncodedEvent } from './event-frames.js';

/** A job found on disk at start: what was assigned and every event not yet known to be stored. */
export interface JournaledJob {
  spec: JobSpec;
  events: SequencedJobEvent[];
}

/**
 * The node's on-disk record of its jobs: one JSON-lines file per job (the spec, then events),
 * appended as events happen and removed once the master has acknowledged the final one. It lets
 * a node that restarts deliver what the master has not stored yet. Writes throw what the file
 * system throws (a full disk: ENOSPC); `JobRunner` decides what a failed write means for the job.
 */
export class JobJournal {
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Begins the job's file afresh: a new attempt's record replaces whatever an older one left. */
  start(spec: JobSpec): void {
    writeFileSync(this.path(spec.id), `${JSON.stringify({ spec })}\n`, { mode: 0o600 });
  }

  append(jobId: number, events: readonly EncodedEvent[]): void {
    // The same line `JSON.stringify({ event })` would give, from the text the frames carry too.
    appendFileSync(this.path(jobId), events.map((event) => `{"event":${event.json}}\n`).join(''));
  }

  remove(jobId: number): void {
    rmSync(this.path(jobId), { force: true });
  }

  /** Every journaled job; a torn last line (a crash mid-write) is dropped, not fatal. */
  load(): JournaledJob[] {
    const jobs: JournaledJob[] = [];
    for (const file of readdirSync(this.dir).filter((f) => /^\d+\.jsonl$/.test(f))) {
      const lines = readFileSync(join(this.dir, file), 'utf8').split('\n').filter((l) => l.length > 0);
      const entries = lines.flatMap((line) => {
        try {
          return [JSON.parse(line) as { spec?: unknown; event?: unknown }];
        } catch {
          return [];
        }
      });
      const spec = JobSpecSchema.safeParse(entries[0]?.spec);
      if (!spec.success) continue;
      const events = entries.slice(1).flatMap((e) => {
        const parsed = SequencedJobEventSchema.safeParse(e.event);
        return parsed.success ? [parsed.data] : [];
      });
      jobs.push({ spec: spec.data, events });
    }
    return jobs;
  }

  private path(jobId: number): string {
    return join(this.dir, `${jobId}.jsonl`);
  }
}
