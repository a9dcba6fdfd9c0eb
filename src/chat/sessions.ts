/** What a chat thread remembers: the job its conversation continues from, and the one running. */
export interface Session {
  /** The last finished job; the next request continues its Codex conversation. */
  lastJobId?: number;
  runningJobId?: number;
  /** The Codex thread the next request continues (kept across restarts by the file store). */
  threadId?: string;
  /** `/mode`: `single` (one conversation) or `multi` (the agents' pipeline); runner only. */
  mode?: 'single' | 'multi';
  /** `/profile`: the model and working directory of the next runs; runner only. */
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
