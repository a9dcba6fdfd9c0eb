import { RELIED_NOTIFICATIONS } from './events.js';
import { QUESTION_METHODS } from './question-methods.js';
import type { MethodKind } from './protocol-schema.js';
import { accountAnswerSchema, threadAnswerSchema, turnAnswerSchema } from './requests.js';
import { zodPaths } from './zod-paths.js';

/** One field of the protocol that this client reads or sends. */
export interface ReliedField {
  kind: MethodKind;
  method: string;
  /** `params.…` or `result.…`, in `ProtocolSchema.fieldShape`'s notation. */
  path: string;
}

/**
 * What the driver sends in its requests (built in `requests.ts` and `codex-driver.ts`, not parsed,
 * so listed here); their answers are read through zod schemas like the notifications.
 */
const SENT: Readonly<Record<string, readonly string[]>> = {
  initialize: ['params.clientInfo.name', 'params.clientInfo.title', 'params.clientInfo.version', 'params.capabilities.experimentalApi'],
  'thread/start': ['params.cwd', 'params.model', 'params.sandbox', 'params.approvalPolicy'],
  'thread/resume': ['params.threadId', 'params.model', 'params.sandbox', 'params.approvalPolicy', 'params.excludeTurns'],
  'turn/start': [
    'params.threadId',
    'params.input.*[type=text].text',
    'params.input.*[type=text].text_elements',
    'params.input.*[type=localImage].path',
    'params.effort',
    'params.cwd',
    'params.model',
    'params.approvalPolicy',
    'params.sandboxPolicy[type=readOnly].networkAccess',
    'params.sandboxPolicy[type=workspaceWrite].writableRoots',
    'params.sandboxPolicy[type=workspaceWrite].networkAccess',
    'params.sandboxPolicy[type=dangerFullAccess].type',
  ],
  'turn/interrupt': ['params.threadId', 'params.turnId'],
};

const ANSWERS = { 'thread/start': threadAnswerSchema, 'thread/resume': threadAnswerSchema, 'turn/start': turnAnswerSchema, 'account/read': accountAnswerSchema } as const;

/** Every field of the app-server protocol this client depends on, derived from the schemas that read them. */
export function reliedFields(): ReliedField[] {
  const fields: ReliedField[] = [];
  for (const [method, paths] of Object.entries(SENT)) for (const path of paths) fields.push({ kind: 'request', method, path });
  for (const [method, schema] of Object.entries(ANSWERS)) for (const path of zodPaths(schema, 'result')) fields.push({ kind: 'request', method, path });
  for (const [method, schema] of Object.entries(RELIED_NOTIFICATIONS)) for (const path of zodPaths(schema, 'params')) fields.push({ kind: 'notification', method, path });
  for (const [method, row] of Object.entries(QUESTION_METHODS)) {
    if (row.params) for (const path of zodPaths(row.params, 'params')) fields.push({ kind: 'serverRequest', method, path });
  }
  return fields;
}

/** A field's key in the snapshot: `notification turn/completed params.turn.status`. */
export function fieldKey(field: ReliedField): string {
  return `${field.kind} ${field.method} ${field.path}`;
}
