import { randomBytes } from 'node:crypto';
import { CONFIG_TOPICS, type FleetSignal } from '../fleet-store.js';
import type { Gathering, PgStatement } from './pg-unit-of-work.js';

/** The channel every master's signals go on (`pg_notify`), and every master listens to. */
export const FLEET_CHANNEL = 'csc_fleet';

/**
 * PostgreSQL refuses a payload of 8000 bytes or more (and with it the transaction): a list of job
 * ids is split to stay below this, its origin and JSON around it included.
 */
const PAYLOAD_BYTES = 7900;

/**
 * At most this many ids in one `jobs` payload built by SQL (`tellJobs`): 17 bytes each at most
 * (an id below 2^53 and its comma), so well below `PAYLOAD_BYTES`.
 */
const IDS_PER_SQL_PAYLOAD = 400;

/**
 * A fresh tag for the signals of one store (one master): a payload is `<origin> <signal JSON>`,
 * and a store's listener drops its own, which that master knows of already (a job it wrote).
 */
export function newOrigin(): string {
  return randomBytes(6).toString('base64url');
}

/** `],"queued":[` and `]}` around the ids that may be queued. */
const QUEUED_BYTES = 15;

/** Payloads of a `jobs` signal for `ids` (those in `queued` may be queued), each below `PAYLOAD_BYTES`. */
function jobPayloads(origin: string, ids: Iterable<number>, queued: ReadonlySet<number>): string[] {
  const head = `${origin} {"kind":"jobs","jobIds":[`;
  const payloads: string[] = [];
  let part: number[] = [];
  let bytes = head.length + QUEUED_BYTES;
  for (const id of ids) {
    const cost = (String(id).length + 1) * (queued.has(id) ? 2 : 1);
    if (part.length > 0 && bytes + cost > PAYLOAD_BYTES) {
      payloads.push(head + jobsTail(part, queued));
      part = [];
      bytes = head.length + QUEUED_BYTES;
    }
    part.push(id);
    bytes += cost;
  }
  if (part.length > 0) payloads.push(head + jobsTail(part, queued));
  return payloads;
}

/** The ids of one payload and those of them that may be queued (left out when all may be: no news). */
function jobsTail(part: readonly number[], queued: ReadonlySet<number>): string {
  const maybe = part.filter((id) => queued.has(id));
  return maybe.length === part.length ? `${part.join(',')}]}` : `${part.join(',')}],"queued":[${maybe.join(',')}]}`;
}

/**
 * The signals of a turn, each distinct one once (job ids merged into as few `jobs` payloads as fit),
 * sent as one statement at the turn's commit (`PgUnitOfWork.hold`): delivered by PostgreSQL when
 * that transaction commits, never when it rolls back.
 */
export class SignalRows implements Gathering {
  readonly order = 9;
  readonly full = false;
  /** Set by the store as it takes the gathering (a gathering is made without arguments). */
  origin = '';
  private readonly jobIds = new Set<number>();
  /** Of `jobIds`, those some signal of the turn says may be queued. */
  private readonly queued = new Set<number>();
  private readonly others = new Set<string>();

  add(signal: FleetSignal): void {
    if (signal.kind !== 'jobs') {
      this.others.add(JSON.stringify(signal));
      return;
    }
    for (const id of signal.jobIds) this.jobIds.add(id);
    for (const id of signal.queued ?? signal.jobIds) this.queued.add(id);
  }

  statement(): PgStatement {
    const payloads = [...[...this.others].map((json) => `${this.origin} ${json}`), ...jobPayloads(this.origin, this.jobIds, this.queued)];
    return { name: 'csc_fleet_notify', text: `SELECT pg_notify('${FLEET_CHANNEL}', p) FROM unnest($1::text[]) AS p`, values: [payloads] };
  }
}

/**
 * A CTE named `told` sending a `jobs` signal (origin `$<originParam>`) for the ids of the CTE
 * `won`, in parts: a conditional update tells the other masters of the jobs it took in its own
 * statement, in its transaction. It runs only when the main query reads it: `TOLD_COLUMN`. Every
 * job it tells of is out on a node (claimed, adopted, taken over): none is queued.
 */
export function tellJobs(originParam: number): string {
  return `told AS (
    SELECT pg_notify('${FLEET_CHANNEL}', $${originParam}::text || ' {"kind":"jobs","jobIds":[' || string_agg(w.id::text, ',') || '],"queued":[]}')
    FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / ${IDS_PER_SQL_PAYLOAD} AS part FROM won) AS w
    GROUP BY w.part
  )`;
}

/** The column that makes `told` run (once, for the first row: nothing is told when nothing was won). */
export const TOLD_COLUMN = '(SELECT count(*) FROM told) AS told';

const KINDS = new Set(['jobs', 'nodes', 'masters', 'asks', 'replies', 'config']);
const TOPICS: ReadonlySet<unknown> = new Set(CONFIG_TOPICS);

/** The signal a payload carries and its origin; undefined when it is not one of ours. */
export function decodeSignal(payload: string): { origin: string; signal: FleetSignal } | undefined {
  const space = payload.indexOf(' ');
  if (space <= 0) return undefined;
  let signal: unknown;
  try {
    signal = JSON.parse(payload.slice(space + 1));
  } catch {
    return undefined;
  }
  if (typeof signal !== 'object' || signal === null) return undefined;
  const { kind, jobIds, queued, to, what } = signal as { kind?: unknown; jobIds?: unknown; queued?: unknown; to?: unknown; what?: unknown };
  if (typeof kind !== 'string' || !KINDS.has(kind)) return undefined;
  if (kind === 'jobs' && !isIds(jobIds)) return undefined;
  // A `queued` that is not a list of ids tells nothing: any of the jobs may be queued.
  if (kind === 'jobs' && queued !== undefined && !isIds(queued)) delete (signal as { queued?: unknown }).queued;
  if ((kind === 'asks' || kind === 'replies') && typeof to !== 'string') return undefined;
  // A topic of a later release is not one this master keeps: nothing for it to read again.
  if (kind === 'config' && !TOPICS.has(what)) return undefined;
  return { origin: payload.slice(0, space), signal: signal as FleetSignal };
}

function isIds(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((id) => typeof id === 'number');
}
