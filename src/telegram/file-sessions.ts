import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Session, SessionStore } from '../chat/index.js';

/**
 * Sessions as `{dir}/{key}.json` (key `{chatId}-{userId}`), written through a temp file and a
 * rename so that a crash never leaves half a file, and read back after a restart. A running job
 * is not kept: it did not survive the restart.
 */
export class FileSessions implements SessionStore {
  private readonly cache = new Map<string, Session>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  get(key: string): Session {
    const cached = this.cache.get(key);
    if (cached) return { ...cached };
    const loaded = this.read(key);
    this.cache.set(key, loaded);
    return { ...loaded };
  }

  set(key: string, session: Session): void {
    this.cache.set(key, { ...session });
    const durable: Session = { ...session };
    delete durable.runningJobId;
    const path = this.path(key);
    const temp = `${path}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(durable, null, 2)}\n`, { mode: 0o600 });
    renameSync(temp, path);
  }

  /** The file of a session key. */
  path(key: string): string {
    return join(this.dir, `${key.replace(/[^\w.-]/g, '_')}.json`);
  }

  private read(key: string): Session {
    try {
      const session = JSON.parse(readFileSync(this.path(key), 'utf8')) as Session;
      delete session.runningJobId;
      return session;
    } catch {
      // Missing or unreadable: the session starts afresh rather than the runner refusing the chat.
      return {};
    }
  }
}
