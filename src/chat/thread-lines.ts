import type { CodexRequest } from './command-host.js';
import type { ChatContext } from './router.js';
import type { SentMessage } from './types.js';

/** At most this many requests wait in one thread; more are refused, so a flood cannot pile up work. */
export const MAX_WAITING = 5;

/** A request waiting for its thread's job to finish. */
export interface WaitingRequest {
  ctx: ChatContext;
  request: CodexRequest;
  /** The "queued behind" message (being sent), which becomes the job's progress message. */
  notice: Promise<SentMessage | undefined>;
}

/** A submit sent and not answered yet: it holds its thread until the answer comes, or `/cancel`. */
export interface Submission {
  /** False after `/new`: the job it makes does not carry the conversation on. */
  keep: boolean;
  /** `/cancel` gave up on it: the job it makes, if any, is cancelled at once and holds no thread. */
  abandoned: boolean;
}

/** What a thread is doing besides its running job (which its session names). */
interface Line {
  submitting: Submission | undefined;
  waiting: WaitingRequest[];
}

/**
 * One line per chat thread: the submit in flight and the requests waiting behind the thread's
 * job, in order. A thread runs one job at a time, so each request continues the conversation of
 * the one before it. Lines with nothing in them are forgotten.
 */
export class ThreadLines {
  private readonly lines = new Map<string, Line>();

  /** The thread's submit in flight, if any. */
  submitting(key: string): Submission | undefined {
    return this.lines.get(key)?.submitting;
  }

  /** How many requests wait in the thread. */
  waiting(key: string): number {
    return this.lines.get(key)?.waiting.length ?? 0;
  }

  /** Marks a submit as holding the thread; returns it. */
  submit(key: string): Submission {
    const submission: Submission = { keep: true, abandoned: false };
    this.line(key).submitting = submission;
    return submission;
  }

  /** Ends a submit's hold on its thread (answered, failed, or given up), unless a newer one holds it. */
  release(key: string, submission: Submission): void {
    const line = this.lines.get(key);
    if (line?.submitting === submission) line.submitting = undefined;
    this.tidy(key);
  }

  /** Adds a request to the end of the line (the caller keeps it within `MAX_WAITING`). */
  enqueue(key: string, waiting: WaitingRequest): void {
    this.line(key).waiting.push(waiting);
  }

  /** Takes the next waiting request, if any. */
  next(key: string): WaitingRequest | undefined {
    const next = this.lines.get(key)?.waiting.shift();
    this.tidy(key);
    return next;
  }

  /** Takes every waiting request (`/cancel` drops them). */
  drop(key: string): WaitingRequest[] {
    const dropped = this.lines.get(key)?.waiting.splice(0) ?? [];
    this.tidy(key);
    return dropped;
  }

  private line(key: string): Line {
    let line = this.lines.get(key);
    if (!line) {
      line = { submitting: undefined, waiting: [] };
      this.lines.set(key, line);
    }
    return line;
  }

  private tidy(key: string): void {
    const line = this.lines.get(key);
    if (line && line.submitting === undefined && line.waiting.length === 0) this.lines.delete(key);
  }
}
