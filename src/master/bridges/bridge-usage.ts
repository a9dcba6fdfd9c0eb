import type { Frame, UsageFrame } from '../../protocol/index.js';
import type { UsageService } from '../usage/index.js';

type UsageRequest = Extract<Frame, { type: 'usage_request' }>;

/** The answer to `/usage`: the period's report, and today's figures for the asker, their chat and the master. */
export async function usageFor(usage: Pick<UsageService, 'report' | 'today'>, frame: UsageRequest): Promise<UsageFrame> {
  const user = `${frame.platform}:${frame.userId}`;
  const chat = `${frame.platform}:${frame.chatId}`;
  const [report, userToday, chatToday, master] = await Promise.all([
    usage.report(frame.days),
    usage.today({ kind: 'user', key: user }),
    usage.today({ kind: 'chat', key: chat }),
    usage.today({ kind: 'master' }),
  ]);
  return { type: 'usage', requestId: frame.requestId, report, today: { user: userToday, chat: chatToday, master } };
}
