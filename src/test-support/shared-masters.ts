import { randomBytes } from 'node:crypto';
import { childEnvironment } from '../config/index.js';
import type { JobRecord } from '../master/store/index.js';
import { Backoff, Workspaces, createNodeWorker, type Executor, type NodeWorker } from '../node/index.js';
import type { SequencedJobEvent } from '../protocol/index.js';
import { captureLog, type LogLine } from './log-capture.js';
import { MasterProcess } from './master-process.js';
import { SseClient } from './sse-client.js';
import { tempDir } from './temp-dir.js';
import { testDatabaseUrl } from './test-database.js';
import { waitFor } from './wait.js';

/** A node as `/api/nodes` lists it (the fields these tests read; `master` once the view names it). */
export interface ListedNode {
  name: string;
  status: string;
  runningJobs: number[];
  /** Which master it is connected to, by name (absent on a master alone). */
  master?: string;
}

/** An answer of the API that was not a success, with what the master said. */
export class ApiCallError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${body}`);
  }
}

/** One `csc master` process of several sharing a database, with the API calls the tests make. */
export class SharedMaster {
  constructor(
    readonly name: string,
    readonly process: MasterProcess,
    private readonly adminToken: string,
  ) {}

  get wsUrl(): string {
    return this.process.wsUrl;
  }

  get httpUrl(): string {
    return this.process.httpUrl;
  }

  /** `fetch` against this master's API with the shared admin token. */
  api(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.httpUrl}${path}`, { ...init, headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json', ...init.headers } });
  }

  /** The parsed answer of a call that must succeed (an `ApiCallError` with the body otherwise). */
  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.api(path, init);
    const text = await res.text();
    if (!res.ok) throw new ApiCallError(res.status, text, `${init.method ?? 'GET'} ${path} on master ${this.name}`);
    return JSON.parse(text) as T;
  }

  /** Creates a job here, to run on `node` only or on a node with every one of `tags`. */
  createJob(prompt: string, where: string | { tags: string[] }): Promise<JobRecord> {
    const body = typeof where === 'string' ? { prompt, node: where } : { prompt, tags: where.tags };
    return this.json<JobRecord>('/api/jobs', { method: 'POST', body: JSON.stringify(body) });
  }

  job(id: number): Promise<JobRecord> {
    return this.json<JobRecord>(`/api/jobs/${id}`);
  }

  /** Waits until this master reports job `id` in a state `done` accepts; returns that state. */
  waitForJob(id: number, done: (job: JobRecord) => boolean, what: string, timeoutMs = 30_000): Promise<JobRecord> {
    return waitFor(async () => {
      const job = await this.job(id);
      return done(job) ? job : undefined;
    }, `${what} (master ${this.name})`, timeoutMs);
  }

  async nodes(): Promise<ListedNode[]> {
    return (await this.json<{ nodes: ListedNode[] }>('/api/nodes')).nodes;
  }

  /** Every stored event of job `id`, read page by page. */
  async events(id: number): Promise<SequencedJobEvent[]> {
    const all: SequencedJobEvent[] = [];
    for (;;) {
      const page = await this.json<{ events: SequencedJobEvent[]; more: boolean }>(`/api/jobs/${id}/logs?after=${all.at(-1)?.seq ?? 0}&limit=5000`);
      all.push(...page.events);
      if (!page.more || page.events.length === 0) return all;
    }
  }

  /** Opens the live log of job `id` (Server-Sent Events) from its start. */
  follow(id: number): Promise<SseClient> {
    return SseClient.open(`${this.httpUrl}/api/jobs/${id}/logs/stream`, { authorization: `Bearer ${this.adminToken}` });
  }
}

export interface SharedMastersOptions {
  /** Extra environment of every master (MASTER_LEASE_SEC, MASTER_JOB_REQUEUE_GRACE…). */
  env?: Record<string, string>;
}

/** Masters on one fresh PostgreSQL database, with one node token and one admin token for all. */
export interface SharedMasters {
  masters: SharedMaster[];
  nodeToken: string;
  databaseUrl: string;
}

/**
 * Starts one `csc master` process per name on a fresh database of this test process's private
 * PostgreSQL server: each on its own ports and data dir, all with the same node and admin tokens
 * (MASTER_TOKEN, MASTER_ADMIN_TOKEN), so that a node or a client works with any of them. One at a
 * time, so that their migrations do not wait on each other's lock. Stop them with
 * `killMasterProcesses`.
 */
export async function startSharedMasters(names: readonly string[], options: SharedMastersOptions = {}): Promise<SharedMasters> {
  const databaseUrl = await testDatabaseUrl('multi_master');
  const nodeToken = `node-${randomBytes(18).toString('hex')}`;
  const adminToken = `admin-${randomBytes(18).toString('hex')}`;
  const masters: SharedMaster[] = [];
  for (const name of names) {
    const env = { MASTER_DATABASE_URL: databaseUrl, MASTER_TOKEN: nodeToken, MASTER_ADMIN_TOKEN: adminToken, MASTER_NAME: name, LOG_LEVEL: 'info', ...options.env };
    masters.push(new SharedMaster(name, await MasterProcess.start({ dataDir: tempDir(`csc-master-${name}-`), env }), adminToken));
  }
  return { masters, nodeToken, databaseUrl };
}

/** A real node worker in this process, as `csc node --master a,b` runs one, with its log kept. */
export interface FleetNode {
  name: string;
  worker: NodeWorker;
  lines: LogLine[];
  /** The master it was last welcomed by (undefined: none yet). */
  connectedTo(): string | undefined;
  /** Waits until the master at `url` has welcomed it. */
  waitConnectedTo(url: string, timeoutMs?: number): Promise<void>;
}

/**
 * Starts a node worker connected to the first of `urls` that answers (the next after each failed
 * or dropped connection), with a fast reconnect (25 ms doubling to 1 s) and a journal of its own.
 */
export function startFleetNode(urls: readonly [string, ...string[]], token: string, name: string, executor: Executor, options: { slots?: number; tags?: string[] } = {}): FleetNode {
  const { log, lines } = captureLog('info');
  const worker = createNodeWorker(
    {
      urls,
      name,
      nodeId: `node-${name}-fleet`,
      tags: options.tags ?? [],
      version: 'fleet-test',
      slots: options.slots ?? 1,
      executor,
      journalDir: tempDir('csc-fleet-journal-'),
      workspaces: new Workspaces({ dir: tempDir(), defaultWorkdir: tempDir(), env: childEnvironment() }),
      token: () => token,
      tokenHint: '',
      backoff: new Backoff(25, 1000),
    },
    log,
  );
  worker.agent.start();
  const connectedTo = (): string | undefined => lines.findLast((l) => l.msg.startsWith('connected to master'))?.url as string | undefined;
  return {
    name,
    worker,
    lines,
    connectedTo,
    waitConnectedTo: async (url, timeoutMs = 20_000) => {
      await waitFor(() => worker.agent.connected && connectedTo() === url, `node ${name} to be connected to ${url}`, timeoutMs);
    },
  };
}
