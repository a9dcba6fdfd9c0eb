import { splitMessage } from './markup.js';
import type { ChatOutput, IncomingMessage, SentMessage } from './types.js';

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
  /** Sends formatted text as a reply in the message's thread, split at the platform's limit. */
  reply(text: string): Promise<SentMessage | undefined>;
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
export function createContext(message: IncomingMessage, output: ChatOutput, threadKey: string = threadKeyOf(message)): ChatContext {
  return {
    message,
    output,
    threadKey,
    command: parseCommand(message.text),
    async reply(text) {
      let first: SentMessage | undefined;
      for (const part of splitMessage(text, output.limit, output.markup)) {
        const target = { chatId: message.chatId, ...(message.threadId === undefined ? {} : { threadId: message.threadId }) };
        const sent = await output.send(first ? target : { ...target, replyTo: message.messageId }, part);
        first ??= sent;
      }
      return first;
    },
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
