/** The bot's messages as the Telegram stand-in keeps them: sends and edits with Telegram's checks and errors. */
import { checkMarkdownV2 } from './telegram-formats.js';
import { readKeyboard, type InlineButton } from './telegram-updates.js';

/** A message the bot sent, as it now reads. */
export interface BotMessage {
  chatId: number;
  messageId: number;
  text: string;
  /** Its `parse_mode` now (undefined: plain text). */
  parseMode?: string;
  threadId?: number;
  replyTo?: number;
  /** Every text it had, the first one included. */
  history: string[];
  /** Its inline keyboard now (an edit without one removes it, as Telegram does). */
  buttons?: InlineButton[][];
}

export type Answer = { ok: true; result: unknown } | { ok: false; error_code: number; description: string; parameters?: { retry_after: number } };

type Refusal = { ok: false; error_code: number; description: string };

const NOT_MODIFIED = 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message';

/** Message ids of one stand-in: users' messages and the bot's share them, as in a chat. */
export class MessageIds {
  private next = 1000;

  take(): number {
    return this.next++;
  }

  peek(): number {
    return this.next;
  }
}

/**
 * `sendMessage` and `editMessageText`: 400 for > 4096 characters, an empty text, bad MarkdownV2
 * (Telegram's "can't parse entities") or a bad keyboard, and for an edit to the same text.
 */
export class TelegramMessages {
  readonly messages: BotMessage[] = [];

  constructor(private readonly ids: MessageIds) {}

  sendMessage(payload: Record<string, unknown>): Answer {
    const bad = checkText(payload);
    if (bad) return bad;
    const keyboard = readKeyboard(payload.reply_markup);
    if (keyboard && 'error' in keyboard) return { ok: false, error_code: 400, description: keyboard.error };
    const reply = payload.reply_parameters as { message_id?: number } | undefined;
    const message: BotMessage = {
      chatId: Number(payload.chat_id),
      messageId: this.ids.take(),
      text: String(payload.text),
      ...(typeof payload.parse_mode === 'string' ? { parseMode: payload.parse_mode } : {}),
      ...(payload.message_thread_id === undefined ? {} : { threadId: Number(payload.message_thread_id) }),
      ...(reply?.message_id === undefined ? {} : { replyTo: reply.message_id }),
      history: [String(payload.text)],
      ...(keyboard === undefined ? {} : { buttons: keyboard.rows }),
    };
    this.messages.push(message);
    return { ok: true, result: { message_id: message.messageId, date: Math.floor(Date.now() / 1000), chat: { id: message.chatId, type: 'private' }, text: message.text } };
  }

  editMessageText(payload: Record<string, unknown>): Answer {
    const message = this.messages.find((m) => m.chatId === Number(payload.chat_id) && m.messageId === Number(payload.message_id));
    if (!message) return { ok: false, error_code: 400, description: 'Bad Request: message to edit not found' };
    const bad = checkText(payload);
    if (bad) return bad;
    const keyboard = readKeyboard(payload.reply_markup);
    if (keyboard && 'error' in keyboard) return { ok: false, error_code: 400, description: keyboard.error };
    if (message.text === payload.text && JSON.stringify(message.buttons) === JSON.stringify(keyboard?.rows)) return { ok: false, error_code: 400, description: NOT_MODIFIED };
    message.text = String(payload.text);
    if (typeof payload.parse_mode === 'string') message.parseMode = payload.parse_mode;
    else delete message.parseMode;
    message.history.push(message.text);
    if (keyboard) message.buttons = keyboard.rows;
    else delete message.buttons;
    return { ok: true, result: { message_id: message.messageId, chat: { id: message.chatId, type: 'private' }, text: message.text } };
  }
}

function checkText(payload: Record<string, unknown>): Refusal | undefined {
  const text = typeof payload.text === 'string' ? payload.text : '';
  const checked = payload.parse_mode === 'MarkdownV2' ? checkMarkdownV2(text) : { length: text.length };
  if ('error' in checked) return { ok: false, error_code: 400, description: checked.error };
  if (checked.length === 0) return { ok: false, error_code: 400, description: 'Bad Request: message text is empty' };
  if (checked.length > 4096) return { ok: false, error_code: 400, description: 'Bad Request: message is too long' };
  return undefined;
}
