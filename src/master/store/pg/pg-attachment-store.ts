import pg from 'pg';
import type { Logger } from '../../../log/index.js';
import { attachmentId, type AttachmentStore } from '../attachment-store.js';

/** Connections the attachments may use at once (uploads and sends to several nodes); opened when needed. */
const MAX_CONNECTIONS = 4;
/** An idle connection closes after this long: files come and go in bursts. */
const IDLE_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;

const INSERT = 'INSERT INTO attachments (id, data) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING';
const SIZE = 'SELECT octet_length(data) AS bytes FROM attachments WHERE id = $1';
/** Only the part's chunks are fetched: the column is stored out of line, uncompressed (migration 0003). */
const PART = 'SELECT substring(data from $2::integer + 1 for $3::integer) AS part FROM attachments WHERE id = $1';

/**
 * Attachments in the `attachments` table, shared by every master on the database. Its statements
 * run on a small pool of their own, outside the unit of work: a file of up to 20 MiB in the
 * writer's pipeline would hold every later turn's statements and commit behind its transfer (jobs'
 * events, acks, dispatch), and so would the parts read for a node. Each save is a statement of its
 * own (autocommit), committed when it resolves: the upload's answer (`attachment_stored`, the
 * HTTP `201`) waits for it, and nothing else depends on it being in a turn's transaction (a job
 * names a file only after that answer). The writer never writes this table, so the pool's reads
 * miss nothing it holds uncommitted.
 */
export class PgAttachmentStore implements AttachmentStore {
  private readonly pool: pg.Pool;
  private ended: Promise<void> | undefined;

  constructor(url: string, log: Logger) {
    this.pool = new pg.Pool({
      connectionString: url,
      application_name: 'csc master attachments',
      keepAlive: true,
      max: MAX_CONNECTIONS,
      idleTimeoutMillis: IDLE_MS,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    // An idle connection that is lost: the pool drops it, and the next statement opens another.
    this.pool.on('error', (error) => log.warn({ err: error }, 'lost an idle PostgreSQL connection of the attachments'));
  }

  async save(data: Buffer): Promise<string> {
    const id = attachmentId(data);
    // A Buffer travels as a binary parameter: no hex or escaping of 20 MiB.
    await this.pool.query({ name: 'csc_attachments_insert', text: INSERT, values: [id, data] });
    return id;
  }

  async size(id: string): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ bytes: number }>({ name: 'csc_attachments_size', text: SIZE, values: [id] });
    return rows[0]?.bytes;
  }

  async read(id: string, offset: number, length: number): Promise<Buffer> {
    const { rows } = await this.pool.query<{ part: Buffer }>({ name: 'csc_attachments_part', text: PART, values: [id, offset, length] });
    const row = rows[0];
    if (row === undefined) throw new Error(`no attachment ${id} in the database`);
    return row.part;
  }

  /** Closes the pool's connections (statements under way finish first); once, however often it is called. */
  close(): Promise<void> {
    this.ended ??= this.pool.end();
    return this.ended;
  }
}
