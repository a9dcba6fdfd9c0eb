/** Updates (messages, button presses) and inline keyboards as the Bot API has them, for the Telegram stand-in. */
import type { UserFile } from './telegram-files.js';

/** A callback button of an inline keyboard. */
export interface InlineButton {
  text: string;
  callback_data: string;
}

/** The update types Telegram sends when `allowed_updates` was never set (the opt-in ones left out). */
const DEFAULT_UPDATES = ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'inline_query', 'chosen_inline_result', 'callback_query', 'shipping_query', 'pre_checkout_query', 'poll', 'poll_answer', 'my_chat_member', 'chat_join_request'];

/** Whether Telegram delivers `update` to a poller that last asked for `allowed` (undefined or empty: the defaults). */
export function isAllowedUpdate(update: object, allowed: readonly string[] | undefined): boolean {
  const types = allowed === undefined || allowed.length === 0 ? DEFAULT_UPDATES : allowed;
  return Object.keys(update).some((key) => key !== 'update_id' && types.includes(key));
}

/**
 * The `reply_markup` of a send or edit: its inline keyboard, undefined without one, or Telegram's
 * error for a button it refuses (callback data must be 1–64 bytes, a label non-empty).
 */
export function readKeyboard(markup: unknown): { rows: InlineButton[][] } | { error: string } | undefined {
  // Multipart fields and some clients send it as JSON text.
  const parsed = (typeof markup === 'string' ? JSON.parse(markup) : markup) as { inline_keyboard?: unknown } | undefined;
  if (parsed?.inline_keyboard === undefined) return undefined;
  if (!Array.isArray(parsed.inline_keyboard) || !parsed.inline_keyboard.every(Array.isArray)) return { error: 'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays' };
  const rows = parsed.inline_keyboard as { text?: unknown; callback_data?: unknown }[][];
  for (const button of rows.flat()) {
    if (typeof button.text !== 'string' || button.text === '') return { error: 'Bad Request: text buttons are unallowed in the inline keyboard' };
    const data = button.callback_data;
    if (typeof data !== 'string' || Buffer.byteLength(data) < 1 || Buffer.byteLength(data) > 64) return { error: 'Bad Request: BUTTON_DATA_INVALID' };
  }
  return { rows: rows as InlineButton[][] };
}

type ChatType = 'private' | 'group' | 'supergroup';

/** A chat as updates show it; its type by default: private for positive ids, else a supergroup. */
function chatOf(chatId: number, type: ChatType = chatId > 0 ? 'private' : 'supergroup', forum = false): Record<string, unknown> {
  if (type === 'private') return { id: chatId, type, first_name: 'June' };
  return { id: chatId, type, title: 'Team', is_forum: forum };
}

/** A user's message to the bot: a text, or a file with an optional caption. */
export interface UserMessage {
  chatId: number;
  userId?: number;
  /** Telegram's `from.language_code` (e.g. `ko`); none when left out, as for users who hide it. */
  languageCode?: string;
  text?: string;
  /** A photo, document or voice note; `caption` goes with it. */
  file?: UserFile;
  caption?: string;
  threadId?: number;
  chatType?: ChatType;
}

/** A `bot_command` entity for a text starting with `/`, under the name Telegram gives it (`entities` or `caption_entities`). */
function commandEntities(text: string | undefined, field: string): Record<string, unknown> {
  if (text?.startsWith('/') !== true) return {};
  return { [field]: [{ type: 'bot_command', offset: 0, length: text.split(/\s/)[0]?.length ?? 1 }] };
}

/**
 * The `message` update of a user writing to the bot (a command gets its `bot_command` entity);
 * `fileFields` are the `photo` / `document` / `voice` fields of its file.
 */
export function messageUpdate(updateId: number, messageId: number, options: UserMessage, fileFields: Record<string, unknown> = {}): Record<string, unknown> {
  const from = { id: options.userId ?? options.chatId, is_bot: false, first_name: 'June', username: 'june', ...(options.languageCode === undefined ? {} : { language_code: options.languageCode }) };
  const message = {
    message_id: messageId,
    date: Math.floor(Date.now() / 1000),
    chat: chatOf(options.chatId, options.chatType, options.threadId !== undefined),
    from,
    ...(options.text === undefined ? {} : { text: options.text, ...commandEntities(options.text, 'entities') }),
    ...fileFields,
    ...(options.caption === undefined ? {} : { caption: options.caption, ...commandEntities(options.caption, 'caption_entities') }),
    ...(options.threadId === undefined ? {} : { message_thread_id: options.threadId, is_topic_message: true }),
  };
  return { update_id: updateId, message };
}

/** What the stand-in knows of the message a button is under. */
export interface KeyboardMessage {
  chatId: number;
  messageId: number;
  text: string;
  threadId?: number;
  buttons?: InlineButton[][];
}

/** The `callback_query` update of a user pressing a button (`data`) under a bot's message. */
export function callbackQueryUpdate(updateId: number, queryId: string, message: KeyboardMessage, user: { id: number; username?: string }, data: string): Record<string, unknown> {
  return {
    update_id: updateId,
    callback_query: {
      id: queryId,
      from: { id: user.id, is_bot: false, first_name: user.username ?? 'Someone', ...(user.username === undefined ? {} : { username: user.username }), language_code: 'en' },
      message: {
        message_id: message.messageId,
        from: { id: 42, is_bot: true, first_name: 'CSC', username: 'csc_test_bot' },
        chat: chatOf(message.chatId, undefined, message.threadId !== undefined),
        date: Math.floor(Date.now() / 1000),
        text: message.text,
        ...(message.threadId === undefined ? {} : { message_thread_id: message.threadId, is_topic_message: true }),
        ...(message.buttons === undefined ? {} : { reply_markup: { inline_keyboard: message.buttons } }),
      },
      chat_instance: String(-message.chatId * 7919),
      data,
    },
  };
}
