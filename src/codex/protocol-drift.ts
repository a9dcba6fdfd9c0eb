import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RELIED_NOTIFICATIONS } from './events.js';
import { DRIVER_NOTIFICATIONS, IGNORED_NOTIFICATIONS } from './ignored-notifications.js';
import { ProtocolSchema } from './protocol-schema.js';
import { QUESTION_METHODS } from './question-methods.js';
import { fieldKey, reliedFields } from './relied-protocol.js';

/** A field's shape in a schema, or `absent` (a field we read though the schema does not declare it: optional on our side). */
export type SnapshotShape = string;

/** The committed record (`protocol-snapshot.json`) of what the relied-on fields looked like. */
export interface ProtocolSnapshot {
  /** The Codex version the snapshot was taken from. */
  codex: string;
  fields: Record<string, SnapshotShape>;
}

/** What a Codex binary's protocol does differently from the snapshot, as far as this client cares. */
export interface ProtocolDrift {
  /** Fields we read or send that this Codex no longer has. */
  missing: string[];
  /** Fields whose type or allowed values differ: `key: was → now`. */
  changed: string[];
  /** Fields we rely on that the snapshot does not know (the snapshot is out of date). */
  unrecorded: string[];
  /** Notifications this Codex sends that we neither map nor list as ignored. */
  newNotifications: string[];
  /** Requests this Codex may send that we have no answer for. */
  newServerRequests: string[];
}

const ABSENT = 'absent';

/** The relied-on fields as `schema` has them: the content of a new snapshot. */
export function snapshotFields(schema: ProtocolSchema): Record<string, SnapshotShape> {
  const fields: Record<string, SnapshotShape> = {};
  for (const field of reliedFields()) fields[fieldKey(field)] = schema.fieldShape(field.kind, field.method, field.path) ?? ABSENT;
  return fields;
}

/** Compares a binary's schema with the snapshot. An empty drift (see `isEmpty`) means nothing we use moved. */
export function compareProtocol(schema: ProtocolSchema, snapshot: ProtocolSnapshot): ProtocolDrift {
  const drift: ProtocolDrift = { missing: [], changed: [], unrecorded: [], newNotifications: [], newServerRequests: [] };
  for (const [key, now] of Object.entries(snapshotFields(schema))) {
    const was = snapshot.fields[key];
    if (was === undefined) drift.unrecorded.push(key);
    else if (now === ABSENT && was !== ABSENT) drift.missing.push(key);
    else if (now !== was) drift.changed.push(`${key}: ${was} → ${now}`);
  }
  const known = (method: string): boolean => method in RELIED_NOTIFICATIONS || DRIVER_NOTIFICATIONS.has(method) || IGNORED_NOTIFICATIONS.has(method);
  drift.newNotifications = schema.methodNames('notification').filter((method) => !known(method));
  drift.newServerRequests = schema.methodNames('serverRequest').filter((method) => !(method in QUESTION_METHODS));
  return drift;
}

/** Whether the drift is nothing at all. */
export function isEmpty(drift: ProtocolDrift): boolean {
  return Object.values(drift).every((list: string[]) => list.length === 0);
}

/** Whether the drift breaks something we use (rather than adding what we do not handle). */
export function isBreaking(drift: ProtocolDrift): boolean {
  return drift.missing.length > 0 || drift.changed.length > 0;
}

const run = promisify(execFile);

/** Runs `codex app-server generate-json-schema` of `command` (argv) into a temporary directory and reads it. */
export async function readBinarySchema(command: readonly string[], env?: NodeJS.ProcessEnv): Promise<ProtocolSchema> {
  const [file = 'codex', ...args] = command;
  const dir = await mkdtemp(join(tmpdir(), 'csc-codex-schema-'));
  try {
    await run(file, [...args, 'app-server', 'generate-json-schema', '--out', dir], { env, timeout: 30_000 });
    return ProtocolSchema.read(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
