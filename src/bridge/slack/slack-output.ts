import type { App } from '@slack/bolt';
import { clipText, slackMarkup, splitMessage, type ChatButton, type ChatFile, type ChatOutput, type ReplyTarget, type SentMessage } from '../../chat/index.js';
import type { ResponseFrame } from '../../protocol/index.js';

/** Slack takes 40 000 characters but advises 4 000 per message for readability. */
export const SLACK_LIMIT = 3900;

/** The `action_id` prefix of our buttons; the adapter listens for it. */
export const ANSWER_ACTION_PREFIX = 'csc_answer_';

/** Block Kit's limits: a section's text, a button's label, an actions block's elements. Past them Slack refuses the whole message (`invalid_blocks`). */
const SECTION_LIMIT = 3000;
const LABEL_LIMIT = 75;
const ELEMENTS_LIMIT = 25;

/** Slack's refusals of a message's form (its blocks, its length): sent again as plain text, it goes. */
const FORM_REFUSALS = new Set(['invalid_blocks', 'invalid_blocks_format', 'msg_too_long']);

/** Told each time a message went again as plain text, with Slack's reason. */
export type SlackPlainFallback = (error: string) => void;

/**
 * Answers in Slack threads (`thread_ts` of the originating message's thread). A message Slack
 * refuses for its form (`invalid_blocks`, `msg_too_long`) goes again as plain text.
 */
export class SlackOutput implements ChatOutput {
  readonly limit = SLACK_LIMIT;
  readonly markup = slackMarkup;

  constructor(
    private readonly client: App['client'],
    private readonly onPlainFallback?: SlackPlainFallback,
  ) {}

  async send(to: ReplyTarget, text: string): Promise<SentMessage> {
    const sent = await this.withPlainFallback(
      () => this.client.chat.postMessage({ channel: to.chatId, text, unfurl_links: false, ...threadOf(to) }),
      () => this.client.chat.postMessage({ channel: to.chatId, text: plainSlackText(text, this.limit), mrkdwn: false, unfurl_links: false, ...threadOf(to) }),
    );
    return { chatId: sent.channel ?? to.chatId, messageId: sent.ts ?? '' };
  }

  /**
   * Replaces the text. `blocks: []` because Slack keeps a message's blocks when an update leaves
   * them out: a question's buttons would stay, and its text (then only the notification
   * fallback) would not show.
   */
  async edit(message: SentMessage, text: string): Promise<void> {
    await this.withPlainFallback(
      () => this.client.chat.update({ channel: message.chatId, ts: message.messageId, text, blocks: [] }),
      () => this.client.chat.update({ channel: message.chatId, ts: message.messageId, text: plainSlackText(text, this.limit), blocks: [] }),
    );
  }

  /**
   * Block Kit: the text in `section` blocks (3 000 characters each), then `actions` blocks (25
   * buttons each) whose buttons carry their `data` as `value`; `text` is the notification fallback.
   * Refused for its form, the text goes again in `plain_text` sections, the buttons kept.
   */
  async sendButtons(to: ReplyTarget, text: string, buttons: readonly ChatButton[]): Promise<SentMessage> {
    const actions = actionBlocks(buttons);
    const post = (type: 'mrkdwn' | 'plain_text', body: string) => {
      const sections = splitMessage(body, SECTION_LIMIT, slackMarkup).map((part) => ({ type: 'section' as const, text: { type, text: part } }));
      return this.client.chat.postMessage({ channel: to.chatId, text: body, unfurl_links: false, blocks: [...sections, ...actions], ...threadOf(to) });
    };
    const sent = await this.withPlainFallback(
      () => post('mrkdwn', text),
      () => post('plain_text', plainSlackText(text, this.limit)),
    );
    return { chatId: sent.channel ?? to.chatId, messageId: sent.ts ?? '' };
  }

  /**
   * Uploads a file into the thread the way Slack takes files now: an upload URL
   * (`files.getUploadURLExternal`), the bytes to it, then `files.completeUploadExternal`
   * sharing it with the caption as its comment.
   */
  async sendFile(to: ReplyTarget, file: ChatFile): Promise<void> {
    const upload = { file: file.content, filename: file.name, title: file.name, ...(file.caption === undefined ? {} : { initial_comment: slackMarkup.escape(file.caption) }) };
    await this.client.filesUploadV2(to.threadId === undefined ? { ...upload, channel_id: to.chatId } : { ...upload, channel_id: to.chatId, thread_ts: to.threadId });
  }

  /** A call, and when Slack refuses its form, the plain one instead. */
  private async withPlainFallback<T>(call: () => Promise<T>, plain: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      const refusal = formRefusal(error);
      if (refusal === undefined) throw error;
      this.onPlainFallback?.(refusal);
      return plain();
    }
  }

  /** A message only `user` sees, in the channel (and thread) they are looking at; `text` is plain. */
  async ephemeral(to: { chatId: string; threadId?: string }, user: string, text: string): Promise<void> {
    await this.client.chat.postEphemeral({ channel: to.chatId, user, text: slackMarkup.escape(text), ...threadOf(to) });
  }

  /** Sends a `response` frame: to its thread (broadcast to the channel when asked), else to the default channel. */
  async deliver(response: ResponseFrame, defaultChannel: string): Promise<void> {
    const { target } = response;
    const channel = target.channel ?? (typeof target.chat_id === 'string' ? target.chat_id : undefined) ?? defaultChannel;
    if (channel === '') throw new Error('a Slack response without a channel, and no SLACK_DEFAULT_CHANNEL');
    const thread = target.thread_ts ?? target.ts;
    for (const part of splitMessage(slackMarkup.escape(response.text), this.limit, slackMarkup)) {
      const placing = thread === undefined ? {} : { thread_ts: thread, reply_broadcast: response.broadcast === true };
      await this.withPlainFallback(
        () => this.client.chat.postMessage({ channel, text: part, ...placing }),
        () => this.client.chat.postMessage({ channel, text: plainSlackText(part, this.limit), mrkdwn: false, ...placing }),
      );
    }
  }
}

/** Buttons as `actions` blocks of at most 25 elements, each button's `data` as its `value`. */
function actionBlocks(buttons: readonly ChatButton[]) {
  const elements = buttons.map((button, i) => ({
    type: 'button' as const,
    action_id: `${ANSWER_ACTION_PREFIX}${i}`,
    text: { type: 'plain_text' as const, text: cutLabel(button.label), emoji: true },
    value: button.data,
    ...(button.style === undefined ? {} : { style: button.style }),
  }));
  const actions = [];
  for (let i = 0; i < elements.length; i += ELEMENTS_LIMIT) actions.push({ type: 'actions' as const, elements: elements.slice(i, i + ELEMENTS_LIMIT) });
  return actions;
}

/** Slack's `error` when it refused a call for the message's form. */
function formRefusal(error: unknown): string | undefined {
  const { code, data } = error as { code?: string; data?: { error?: string } };
  return code === 'slack_webapi_platform_error' && data?.error !== undefined && FORM_REFUSALS.has(data.error) ? data.error : undefined;
}

/**
 * A mrkdwn text as plain text (sent with `mrkdwn: false`): links as "label (url)", within
 * `limit`. `&amp;` `&lt;` `&gt;` stay: Slack wants them escaped whatever the formatting.
 */
export function plainSlackText(text: string, limit: number): string {
  const flat = text.replace(/<((?:https?|mailto):[^|>]+)\|([^>]*)>/g, '$2 ($1)');
  return clipText(flat, limit);
}

function threadOf(to: { threadId?: string }): { thread_ts?: string } {
  return to.threadId === undefined ? {} : { thread_ts: to.threadId };
}

function cutLabel(label: string): string {
  return label.length <= LABEL_LIMIT ? label : `${label.slice(0, LABEL_LIMIT - 1)}…`;
}
