import type { JobSummary } from '../protocol/index.js';

/** What a chat thread remembers: the job its conversation continues from, and the one running. */
export interface Session {
  /** The last finished job; the next request continues its Codex conversation. */
  lastJobId?: number;
  runningJobId?: number;
  /** The Codex thread the next request continues (kept across restarts by the file store). */
  threadId?: string;
  /** `/mode`: `single` (one conversation) or `multi` (the agents' pipeline). */
  mode?: 'single' | 'multi';
  /** `/profile`: the runner's profile (model, working directory), or the master's named profile sent as `profileName`. */
  profile?: string;
  /** The last finished run, for `/status`. */
  lastRun?: { jobId: number; status: string; finishedAt: string; summary?: string };
}

/** Sessions by thread key; the standalone runner keeps them in files, the bridge in memory. */
export interface SessionStore {
  get(key: string): Session;
  set(key: string, session: Session): void;
}

/** Sessions in memory: a bridge restart starts every thread afresh. */
export class MemorySessions implements SessionStore {
  private readonly sessions = new Map<string, Session>();

  get(key: string): Session {
    return { ...this.sessions.get(key) };
  }

  set(key: string, session: Session): void {
    this.sessions.set(key, { ...session });
  }
}

/** What `/new` keeps: the session's mode and profile. */
export function settingsOf({ mode, profile }: Session): Session {
  return { ...(mode === undefined ? {} : { mode }), ...(profile === undefined ? {} : { profile }) };
}

/** The session after its run ended; a run `/new` dropped leaves the conversation as it was. */
export function afterRun(session: Session, job: JobSummary, keep: boolean): Session {
  const result = job.result;
  const lastRun = { jobId: job.id, status: job.status, finishedAt: new Date().toISOString(), ...(result?.summary === undefined ? {} : { summary: result.summary }) };
  if (!keep) {
    const { lastJobId, threadId } = session;
    return { ...settingsOf(session), ...(lastJobId === undefined ? {} : { lastJobId }), ...(threadId === undefined ? {} : { threadId }), lastRun };
  }
  return { ...settingsOf(session), lastJobId: job.id, ...(result?.threadId === undefined ? {} : { threadId: result.threadId }), lastRun };
}
