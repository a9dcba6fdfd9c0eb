/**
 * The PostgreSQL server of the jobs bench's `postgres` pipeline: one private cluster for the whole
 * run (src/test-support/postgres-server.ts: own data dir, port of 127.0.0.1, stopped at the end, also
 * when the bench fails), with durable commits (fsync and synchronous_commit on, as the master's
 * SQLite default `full` syncs every commit), a fresh database for each pipeline process, dropped
 * when that process has stopped, and the CPU time of every process of the cluster.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Client } from 'pg';
import { findPostgresBin } from '../src/test-support/postgres-binaries.js';
import { PostgresServer } from '../src/test-support/postgres-server.js';

/** USER_HZ, the unit of /proc/<pid>/stat's CPU times (as in bench/proc.ts). */
const CLOCK_TICKS_PER_SEC = 100;
/** What a commit costs on disk must be measured, not what the test defaults (fsync off) save. */
const DURABLE = { fsync: 'on', synchronous_commit: 'on' };

/** A database of the bench's cluster, for one pipeline process. */
export interface BenchDatabase {
  /** `postgres://csc@127.0.0.1:PORT/<name>`, for MASTER_DATABASE_URL. */
  url: string;
  /** Drops it (ending any session left), so that no later run pays for its autovacuum or its size. */
  drop(): Promise<void>;
}

export class BenchPostgres {
  private databases = 0;

  private constructor(private readonly server: PostgresServer) {}

  /** Where the server binaries are, or undefined when PostgreSQL is not installed. */
  static binaries(): string | undefined {
    return findPostgresBin();
  }

  static async start(): Promise<BenchPostgres> {
    return new BenchPostgres(await PostgresServer.start({ settings: DURABLE }));
  }

  /** The server, for the bench's introduction. */
  describe(): string {
    return `${this.server.url('')} (fsync=on, synchronous_commit=on)`;
  }

  async createDatabase(): Promise<BenchDatabase> {
    const name = `bench_${++this.databases}`;
    const url = await this.server.createDatabase(name);
    return { url, drop: () => this.drop(name) };
  }

  /**
   * User plus system CPU seconds the cluster has used: the postmaster and the children it has
   * reaped (backends that ended), plus every live child (backends, WAL writer, checkpointer,
   * autovacuum, …). A difference of two readings is what the server cost in between.
   */
  cpuSec(): number {
    const postmaster = this.server.pid;
    let ticks = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = readStat(Number(entry));
      if (stat === undefined) continue;
      if (Number(entry) === postmaster || stat.ppid === postmaster) ticks += stat.ticks;
    }
    return ticks / CLOCK_TICKS_PER_SEC;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  private async drop(name: string): Promise<void> {
    const client = new Client({ connectionString: this.server.url() });
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end();
    }
  }
}

/** A process's parent and its CPU ticks, its reaped children's included; undefined once it is gone. */
function readStat(pid: number): { ppid: number; ticks: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may contain spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15);
  return { ppid: fields[1] ?? -1, ticks: utime + stime + cutime + cstime };
}
