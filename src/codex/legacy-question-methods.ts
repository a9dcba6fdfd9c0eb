import { z } from 'zod';
import { toFileChange } from './events.js';
import { APPROVAL_DECISIONS, optional, reviewDecision, str, type MethodRow } from './method-row.js';
import type { CommandQuestion, FileChangeQuestion } from './questions.js';

/*
 * The legacy (v1) approvals of the app-server's `ServerRequest` union, keyed by conversation:
 * `applyPatchApproval` and `execCommandApproval`, answered with a `ReviewDecision`.
 */

const legacyFileChange = z.object({ conversationId: z.string(), callId: z.string(), reason: str, grantRoot: str, fileChanges: z.record(z.string(), z.unknown()) });
const legacyChange = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add'), content: z.string() }),
  z.object({ type: z.literal('delete'), content: z.string() }),
  z.object({ type: z.literal('update'), unified_diff: z.string(), move_path: z.string().nullish() }),
]);

/** `applyPatchApproval`: the patch's files, by path, with their changes. */
export const applyPatch: MethodRow<FileChangeQuestion> = {
  kind: 'file_change',
  params: legacyFileChange,
  parse(method, params) {
    const p = legacyFileChange.parse(params);
    const changes = Object.entries(p.fileChanges).map(([path, raw]) => {
      const c = legacyChange.parse(raw);
      return c.type === 'update' ? toFileChange(path, 'update', c.move_path, c.unified_diff) : toFileChange(path, c.type, undefined, c.content);
    });
    return { kind: 'file_change', method, threadId: p.conversationId, itemId: p.callId, changes, ...optional('reason', p.reason), ...optional('grantRoot', p.grantRoot), decisions: APPROVAL_DECISIONS };
  },
  reply: reviewDecision,
};

const legacyCommand = z.object({ conversationId: z.string(), callId: z.string(), approvalId: str, command: z.array(z.string()), cwd: str, reason: str });

/** `execCommandApproval`: the command as argv, joined for people to read. */
export const execCommand: MethodRow<CommandQuestion> = {
  kind: 'command',
  params: legacyCommand,
  parse(method, params) {
    const p = legacyCommand.parse(params);
    return { kind: 'command', method, threadId: p.conversationId, itemId: p.callId, command: p.command.join(' '), ...optional('cwd', p.cwd), ...optional('reason', p.reason), ...optional('approvalId', p.approvalId), decisions: APPROVAL_DECISIONS };
  },
  reply: reviewDecision,
};
