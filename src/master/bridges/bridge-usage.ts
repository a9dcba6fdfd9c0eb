import type { Frame, UsageFrame } from '../../protocol/index.js';
import type { UsageService } from '../usage/index.js';

type UsageRequest = Extract<Frame, { type: 'usage_request' }>;

/** The answer to `/usage`: the period's report, and today's figures for the asker, their chat and the master. */
export function usageFor(usage: Pick<UsageService, 'report' | 'today'>, frame: UsageRequest): UsageFrame {
  const user = `${frame.platform}:${frame.userId}`;
  const chat = `${frame.platform}:${frame.chatId}`;
  return {
    type: 'usage',
    requestId: frame.requestId,
    report: usage.report(frame.days),
    today: { user: usage.today({ kind: 'user', key: user }), chat: usage.today({ kind: 'chat', key: chat }), master: usage.today({ kind: 'master' }) },
  };
}
