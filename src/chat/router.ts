import type { Catalog, Language } from './i18n/index.js';
import { splitMessage } from './markup.js';
import type { SendQueue } from './send-queue.js';
import type { ChatOrigin } from '../protocol/index.js';
import type { ChatOutput, IncomingMessage, ReplyTarget, SentMessage } from './types.js';

/** A command the message starts with: `/name@bot args` → `{name, args}`. */
export interface ParsedCommand {
  name: string;
  args: string;
}

/** One message on its way through the middleware. */
export interface ChatContext {
  readonly message: IncomingMessage;
  readonly output: ChatOutput;
  /** The session this message belongs to: one per chat thread. */
  readonly threadKey: string;
  readonly command: ParsedCommand | undefined;
  /** The language the bot answers this message in, and its texts. */
  readonly language: Language;
  readonly t: Catalog;
  /**
   * Sends formatted text as a reply in the message's thread, split at the platform's limit; the
   * parts go out together, in order (nothing else is sent to the thread in between), and so do
   * the sends of `then` (files after an answer). `then` must send through `output` directly.
   */
  reply(text: string, then?: (to: ReplyTarget) => Promise<void>): Promise<SentMessage | undefined>;
}

/** How the engine builds a message's context. */
export interface ContextSettings {
  threadKey?: string;
  language: Language;
  t: Catalog;
  /** The engine's line of sends per chat thread. */
  sends: SendQueue;
}

/** A step of the router, as in grammY: handle the message, or pass it on with `next()`. */
export type Middleware = (ctx: ChatContext, next: () => Promise<void>) => Promise<void>;

/** Parses a leading `/command` (Telegram adds `@botname` in groups). */
export function parseCommand(text: string): ParsedCommand | undefined {
  const match = /^\/([a-z][a-z0-9_]*)(?:@\S+)?(?:\s+([\s\S]*))?$/i.exec(text.trim());
  return match ? { name: (match[1] ?? '').toLowerCase(), args: (match[2] ?? '').trim() } : undefined;
}

/** The session key of a message: platform, chat, thread. */
export function threadKeyOf(message: IncomingMessage): string {
  return `${message.platform}:${message.chatId}:${message.threadId ?? ''}`;
}

/** Builds the context for one message. */
export function createContext(message: IncomingMessage, output: ChatOutput, settings: ContextSettings): ChatContext {
  const target: ReplyTarget = { chatId: message.chatId, ...(message.threadId === undefined ? {} : { threadId: message.threadId }) };
  const sendAll = async (text: string): Promise<SentMessage | undefined> => {
    let first: SentMessage | undefined;
    for (const part of splitMessage(text, output.limit, output.markup)) {
      const sent = await output.send(first ? target : { ...target, replyTo: message.messageId }, part);
      first ??= sent;
    }
    return first;
  };
  return {
    message,
    output,
    threadKey: settings.threadKey ?? threadKeyOf(message),
    command: parseCommand(message.text),
    language: settings.language,
    t: settings.t,
    reply: (text, then) =>
      // Keyed by the chat thread itself: the runner's sessions are per user, its messages are not.
      settings.sends.run(threadKeyOf(message), async () => {
        const first = await sendAll(text);
        await then?.(target);
        return first;
      }),
  };
}

/** The job's origin: the chat details needed to find its thread again, and the user's language. */
export function originOf(ctx: ChatContext): ChatOrigin {
  const { platform, chatId, threadId, messageId, userId, userName } = ctx.message;
  return {
    kind: platform,
    chatId,
    messageId,
    userId,
    language: ctx.language,
    ...(threadId === undefined ? {} : { threadId }),
    ...(userName === undefined ? {} : { userName }),
  };
}

/** Middleware composed in order; a step that does not call `next()` ends the message's way. */
export class Composer {
  private readonly stack: Middleware[] = [];

  use(...middleware: Middleware[]): this {
    this.stack.push(...middleware);
    return this;
  }

  /** Handles `/name` (any of `names`) and stops there; other messages pass on. */
  command(names: string | string[], handler: (ctx: ChatContext) => Promise<void>): this {
    const wanted = new Set(Array.isArray(names) ? names : [names]);
    return this.use(async (ctx, next) => (ctx.command && wanted.has(ctx.command.name) ? handler(ctx) : next()));
  }

  run(ctx: ChatContext): Promise<void> {
    const step = async (index: number): Promise<void> => {
      const middleware = this.stack[index];
      if (middleware) await middleware(ctx, () => step(index + 1));
    };
    return step(0);
  }
}
