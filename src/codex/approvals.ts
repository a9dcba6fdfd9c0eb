import { z } from 'zod';
import type { Logger } from '../log/index.js';
import type { ApprovalDecision } from './events.js';

/** Codex asks before running a command or changing files (under an approval policy other than `never`). */
export interface ApprovalRequest {
  kind: 'command' | 'file_change';
  threadId: string;
  turnId: string;
  itemId: string;
  command?: string;
  cwd?: string;
  reason?: string;
}

/** Decides an approval request; the default declines everything. */
export type ApprovalPolicy = (request: ApprovalRequest) => ApprovalDecision | Promise<ApprovalDecision>;

export const declineAll: ApprovalPolicy = () => 'decline';

/** Asks the policy; one that throws declines, so a bug never approves anything. */
export async function decide(policy: ApprovalPolicy, request: ApprovalRequest, log: Logger): Promise<ApprovalDecision> {
  try {
    return await policy(request);
  } catch (error) {
    log.warn({ err: error }, 'the approval policy threw; declining');
    return 'decline';
  }
}

/** The app-server methods that ask for approval, and the kind each one is. */
export const APPROVAL_METHODS: Readonly<Record<string, ApprovalRequest['kind']>> = {
  'item/commandExecution/requestApproval': 'command',
  'item/fileChange/requestApproval': 'file_change',
};

const paramsSchema = z.object({
  threadId: z.string(),
  turnId: z.string(),
  itemId: z.string(),
  command: z.string().nullish(),
  cwd: z.string().nullish(),
  reason: z.string().nullish(),
});

/** Parses the params of an approval request (throws on a shape this version does not know). */
export function parseApprovalRequest(kind: ApprovalRequest['kind'], params: unknown): ApprovalRequest {
  const { threadId, turnId, itemId, command, cwd, reason } = paramsSchema.parse(params);
  return { kind, threadId, turnId, itemId, ...(command && { command }), ...(cwd && { cwd }), ...(reason && { reason }) };
}
