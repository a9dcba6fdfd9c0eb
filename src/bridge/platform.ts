import type { AccessDecision, ChatEngine, IncomingMessage } from '../chat/index.js';
import type { Logger } from '../log/index.js';
import type { ResponseFrame } from '../protocol/index.js';

/** One chat platform the bridge runs: started in the background, retrying on its own. */
export interface PlatformAdapter {
  readonly platform: 'slack' | 'telegram';
  start(): void;
  stop(): Promise<void>;
  /** Sends a node's `response` frame to its chat. */
  deliver(response: ResponseFrame): Promise<void>;
}

/** What an adapter gets from the bridge. */
export interface AdapterDeps {
  engine: ChatEngine;
  log: Logger;
}

/** An allow-list check: `*` opens access; an empty list admits nobody. */
export function listAllows(list: readonly string[], ...ids: string[]): boolean {
  return list.includes('*') || ids.some((id) => list.includes(id));
}

/** The decision for a Telegram message under `allowedChats`. */
export function telegramAccess(allowedChats: readonly string[], message: IncomingMessage): AccessDecision {
  if (listAllows(allowedChats, message.chatId)) return { allowed: true };
  return { allowed: false, hint: `This chat's id is ${message.chatId} (your user id: ${message.userId}); add it to TELEGRAM_ALLOWED_CHATS or the dashboard's Telegram allowed chats.` };
}

/** The decision for a Slack message under the channel and user allow-lists. */
export function slackAccess(allowed: { allowedChannels: readonly string[]; allowedUsers: readonly string[] }, message: IncomingMessage): AccessDecision {
  if (listAllows(allowed.allowedChannels, message.chatId) || listAllows(allowed.allowedUsers, message.userId)) return { allowed: true };
  return { allowed: false, hint: `Your user id is ${message.userId} and this channel is ${message.chatId}; add one of them to SLACK_ALLOWED_USERS or SLACK_ALLOWED_CHANNELS (or the dashboard's Slack settings).` };
}
