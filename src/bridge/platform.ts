import type { AccessDecision, Catalog, ChatEngine, IncomingMessage } from '../chat/index.js';
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
  /** Told of every failed call to the platform, as a short code (`chatErrorCode`): the bridge tells the master. */
  reportError?: (code: string) => void;
}

/** An allow-list check: `*` opens access; an empty list admits nobody. */
export function listAllows(list: readonly string[], ...ids: string[]): boolean {
  return list.includes('*') || ids.some((id) => list.includes(id));
}

/** The decision for a Telegram message under `allowedChats`; a stranger's hint is in `t`'s language. */
export function telegramAccess(allowedChats: readonly string[], message: IncomingMessage, t: Catalog): AccessDecision {
  if (listAllows(allowedChats, message.chatId)) return { allowed: true };
  return { allowed: false, hint: t.engine.telegramAccessHint(message.chatId, message.userId) };
}

/** The decision for a Slack message under the channel and user allow-lists; a stranger's hint is in `t`'s language. */
export function slackAccess(allowed: { allowedChannels: readonly string[]; allowedUsers: readonly string[] }, message: IncomingMessage, t: Catalog): AccessDecision {
  if (listAllows(allowed.allowedChannels, message.chatId) || listAllows(allowed.allowedUsers, message.userId)) return { allowed: true };
  return { allowed: false, hint: t.engine.slackAccessHint(message.userId, message.chatId) };
}
