import { GrammyError, InputFile, type Api } from 'grammy';
import { splitMessage, telegramMarkup, type ChatButton, type ChatFile, type ChatOutput, type Markup, type ReplyTarget, type SentMessage } from '../../chat/index.js';
import type { TelegramParseMode } from '../../protocol/index.js';
import type { ResponseFrame } from '../../protocol/index.js';
import { plainText } from './plain-text.js';

/** Telegram's limit on one message's text. */
export const TELEGRAM_LIMIT = 4096;

/** A chat id as Telegram takes it: numeric ids as numbers. */
function chatIdOf(id: string): number | string {
  return /^-?\d+$/.test(id) ? Number(id) : id;
}

/** Telegram's 400 for a text whose markup it cannot parse. */
function isParseError(error: unknown): error is GrammyError {
  return error instanceof GrammyError && error.error_code === 400 && error.description.includes("can't parse entities");
}

/** Told each time a text went out as plain text because Telegram could not parse its markup. */
export type PlainFallback = (description: string) => void;

/**
 * Answers in Telegram chats: replies to the originating message, in its forum topic. A send or
 * edit whose markup Telegram refuses (400 "can't parse entities") goes again as plain text, so
 * the answer still arrives.
 */
export class TelegramOutput implements ChatOutput {
  readonly limit = TELEGRAM_LIMIT;
  readonly markup: Markup;

  constructor(
    private readonly api: Api,
    parseMode: TelegramParseMode,
    private readonly onPlainFallback?: PlainFallback,
  ) {
    this.markup = telegramMarkup(parseMode);
  }

  async send(to: ReplyTarget, text: string): Promise<SentMessage> {
    const sent = await this.withPlainFallback(text, (body, parse) => this.api.sendMessage(chatIdOf(to.chatId), body, { ...parse, ...this.placing(to), link_preview_options: { is_disabled: true } }));
    return { chatId: to.chatId, messageId: String(sent.message_id) };
  }

  /** A message with an inline keyboard: two buttons a row (long labels one), each pressed as a `callback_query` with its data. */
  async sendButtons(to: ReplyTarget, text: string, buttons: readonly ChatButton[]): Promise<SentMessage> {
    const wide = buttons.some((b) => b.label.length > 20);
    const rows: { text: string; callback_data: string }[][] = [];
    for (const [index, button] of buttons.entries()) {
      if (wide || index % 2 === 0) rows.push([]);
      rows.at(-1)?.push({ text: button.label, callback_data: button.data });
    }
    const sent = await this.withPlainFallback(text, (body, parse) =>
      this.api.sendMessage(chatIdOf(to.chatId), body, { ...parse, ...this.placing(to), link_preview_options: { is_disabled: true }, reply_markup: { inline_keyboard: rows } }),
    );
    return { chatId: to.chatId, messageId: String(sent.message_id) };
  }

  /** Replaces a message's text; Telegram drops its inline keyboard with it (no `reply_markup` given). */
  async edit(message: SentMessage, text: string): Promise<void> {
    try {
      await this.withPlainFallback(text, (body, parse) => this.api.editMessageText(chatIdOf(message.chatId), Number(message.messageId), body, parse));
    } catch (error) {
      // The progress message never asks for this, but an edit retried after a timeout may have landed.
      if (error instanceof GrammyError && error.description.includes('message is not modified')) return;
      throw error;
    }
  }

  /** Uploads a file as a document (`sendDocument`, multipart/form-data), its caption in plain text. */
  async sendFile(to: ReplyTarget, file: ChatFile): Promise<void> {
    await this.api.sendDocument(chatIdOf(to.chatId), new InputFile(file.content, file.name), {
      ...(file.caption === undefined ? {} : { caption: file.caption }),
      ...(to.threadId === undefined ? {} : { message_thread_id: Number(to.threadId) }),
      ...(to.replyTo === undefined ? {} : { reply_parameters: { message_id: Number(to.replyTo), allow_sending_without_reply: true } }),
    });
  }

  async typing(to: ReplyTarget): Promise<void> {
    await this.api.sendChatAction(chatIdOf(to.chatId), 'typing', to.threadId === undefined ? {} : { message_thread_id: Number(to.threadId) });
  }

  /** Makes a call with the text in its markup; refused for the markup, again with the text plain. */
  private async withPlainFallback<T>(text: string, call: (body: string, parse: { parse_mode?: NonNullable<Markup['parseMode']> }) => Promise<T>): Promise<T> {
    const parseMode = this.markup.parseMode;
    if (parseMode === undefined) return call(text, {});
    try {
      return await call(text, { parse_mode: parseMode });
    } catch (error) {
      if (!isParseError(error)) throw error;
      this.onPlainFallback?.(error.description);
      return call(plainText(text, this.markup), {});
    }
  }

  /** Forum topic and the message answered. */
  private placing(to: ReplyTarget) {
    return {
      ...(to.threadId === undefined ? {} : { message_thread_id: Number(to.threadId) }),
      ...(to.replyTo === undefined ? {} : { reply_parameters: { message_id: Number(to.replyTo), allow_sending_without_reply: true } }),
    };
  }

  /** Sends a node's `response` frame: its text escaped for the parse mode, split at the limit. */
  async deliver(response: ResponseFrame): Promise<void> {
    const { target } = response;
    if (target.chat_id === undefined) return;
    const to: ReplyTarget = {
      chatId: String(target.chat_id),
      ...(target.message_thread_id === undefined ? {} : { threadId: String(target.message_thread_id) }),
      ...(target.message_id === undefined ? {} : { replyTo: String(target.message_id) }),
    };
    let first = true;
    for (const part of splitMessage(this.markup.escape(response.text), this.limit, this.markup)) {
      await this.send(first ? to : { ...to, replyTo: undefined }, part);
      first = false;
    }
  }
}
