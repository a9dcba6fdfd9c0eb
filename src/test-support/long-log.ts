import { join } from 'node:path';
import { migrate, openSqliteFile, readMigrations, SQLITE_FILE } from '../master/store/index.js';
import type { JobEvent, JobResult } from '../protocol/index.js';

/** Events in one round of a seeded log: what a Codex turn typically logs, few of them message deltas. */
export const ROUND = 10;

/** The warning of round `n`, unique in the log (for a search that must find exactly one event). */
export const roundWarning = (n: number): string => `slow test in shard #${n}.`;

/**
 * Event `index` (0-based) of a long seeded log: rounds of a command with its output, notes, a
 * streamed message (two deltas, then the whole), another message, a file change and token usage.
 * Only two events in ten are deltas, so folding leaves most of the log in place.
 */
export function longLogEvent(index: number): JobEvent {
  const n = Math.floor(index / ROUND);
  const command = `npm test -- --shard ${n}`;
  switch (index % ROUND) {
    case 0:
      return { kind: 'command_started', command };
    case 1: {
      const output = Array.from({ length: 6 }, (_, k) => `ok ${k + 1} - shard ${n} case ${k + 1} passes`).join('\n');
      return { kind: 'command_finished', command, exitCode: n % 7 === 0 ? 1 : 0, output, durationMs: 100 + (n % 900) };
    }
    case 2:
      return { kind: 'log', level: 'info', message: `step ${n}: compiled ${n % 400} files` };
    case 3:
      return { kind: 'agent_message_delta', delta: `Checking shard ${n} ` };
    case 4:
      return { kind: 'agent_message_delta', delta: '— all good.' };
    case 5:
      return { kind: 'agent_message', text: `Checking shard ${n} — all good.` };
    case 6:
      return { kind: 'file_change', changes: [{ path: `src/module-${n % 50}.ts`, kind: 'update', added: n % 13, removed: n % 5 }] };
    case 7:
      return { kind: 'log', level: 'warn', message: roundWarning(n) };
    case 8:
      return { kind: 'agent_message', text: `Summary of shard ${n}: the suite ran, ${n % 17} tests were slow, coverage held at ${60 + (n % 30)}%. Next I look at the flaky ones.` };
    default:
      return { kind: 'token_usage', input: 1000 + n, output: 200 + (n % 100), total: 1200 + n + (n % 100) };
  }
}

/**
 * Seeds a finished (succeeded) job with `events` events (the last one `finished`) into the store of
 * `dataDir`, made by the master's own migrations, with plain inserts in one transaction: 200,000
 * events take about a second. Returns the job's id. No master may run on the data dir meanwhile.
 */
export function seedLongJob(dataDir: string, events: number, prompt = `A long job of ${events} events`): number {
  // Opened and migrated as the master's store opens it; the rest is plain inserts.
  const migrations = readMigrations();
  const db = openSqliteFile(join(dataDir, SQLITE_FILE), 'normal', migrations);
  try {
    migrate(db, migrations);
    const started = new Date(Date.now() - 3_600_000).toISOString();
    const finished = new Date().toISOString();
    const result: JobResult = { status: 'succeeded', finalMessage: `Done after ${events} events.`, filesChanged: [], commands: [], durationMs: 3_600_000 };
    const id = Number(
      db
        .prepare<[string, string, string, string, string, number]>(
          `INSERT INTO jobs (status, prompt, origin, attempt, max_attempts, timeout_sec, created_at, started_at, finished_at, node, result, last_seq)
           VALUES ('succeeded', ?, '{"kind":"api"}', 1, 3, 3600, ?, ?, ?, 'seeded', ?, ?)`,
        )
        .run(prompt, started, started, finished, JSON.stringify(result), events).lastInsertRowid,
    );
    const insert = db.prepare<[number, number, string, string]>('INSERT INTO job_events (job_id, seq, at, event) VALUES (?, ?, ?, ?)');
    db.transaction(() => {
      for (let seq = 1; seq < events; seq++) insert.run(id, seq, started, JSON.stringify(longLogEvent(seq - 1)));
      insert.run(id, events, finished, JSON.stringify({ kind: 'finished', result } satisfies JobEvent));
    })();
    return id;
  } finally {
    db.close();
  }
}
