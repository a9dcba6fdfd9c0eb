import type { App } from '@slack/bolt';
import { slackMarkup, splitMessage, type ChatButton, type ChatOutput, type ReplyTarget, type SentMessage } from '../../chat/index.js';
import type { ResponseFrame } from '../../protocol/index.js';

/** Slack takes 40 000 characters but advises 4 000 per message for readability. */
export const SLACK_LIMIT = 3900;

/** The `action_id` prefix of our buttons; the adapter listens for it. */
export const ANSWER_ACTION_PREFIX = 'csc_answer_';

/** Block Kit's limits: a section's text, a button's label, an actions block's elements. Past them Slack refuses the whole message (`invalid_blocks`). */
const SECTION_LIMIT = 3000;
const LABEL_LIMIT = 75;
const ELEMENTS_LIMIT = 25;

/** Answers in Slack threads (`thread_ts` of the originating message's thread). */
export class SlackOutput implements ChatOutput {
  readonly limit = SLACK_LIMIT;
  readonly markup = slackMarkup;

  constructor(private readonly client: App['client']) {}

  async send(to: ReplyTarget, text: string): Promise<SentMessage> {
    const sent = await this.client.chat.postMessage({ channel: to.chatId, text, unfurl_links: false, ...threadOf(to) });
    return { chatId: sent.channel ?? to.chatId, messageId: sent.ts ?? '' };
  }

  /**
   * Replaces the text. `blocks: []` because Slack keeps a message's blocks when an update leaves
   * them out: a question's buttons would stay, and its text (then only the notification
   * fallback) would not show.
   */
  async edit(message: SentMessage, text: string): Promise<void> {
    await this.client.chat.update({ channel: message.chatId, ts: message.messageId, text, blocks: [] });
  }

  /**
   * Block Kit: the text in `section` blocks (3 000 characters each), then `actions` blocks (25
   * buttons each) whose buttons carry their `data` as `value`; `text` is the notification fallback.
   */
  async sendButtons(to: ReplyTarget, text: string, buttons: readonly ChatButton[]): Promise<SentMessage> {
    const sections = splitMessage(text, SECTION_LIMIT, slackMarkup).map((part) => ({ type: 'section' as const, text: { type: 'mrkdwn' as const, text: part } }));
    const elements = buttons.map((button, i) => ({
      type: 'button' as const,
      action_id: `${ANSWER_ACTION_PREFIX}${i}`,
      text: { type: 'plain_text' as const, text: cutLabel(button.label), emoji: true },
      value: button.data,
      ...(button.style === undefined ? {} : { style: button.style }),
    }));
    const actions = [];
    for (let i = 0; i < elements.length; i += ELEMENTS_LIMIT) actions.push({ type: 'actions' as const, elements: elements.slice(i, i + ELEMENTS_LIMIT) });
    const sent = await this.client.chat.postMessage({ channel: to.chatId, text, unfurl_links: false, blocks: [...sections, ...actions], ...threadOf(to) });
    return { chatId: sent.channel ?? to.chatId, messageId: sent.ts ?? '' };
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
      if (thread === undefined) await this.client.chat.postMessage({ channel, text: part });
      else await this.client.chat.postMessage({ channel, text: part, thread_ts: thread, reply_broadcast: response.broadcast === true });
    }
  }
}

function threadOf(to: { threadId?: string }): { thread_ts?: string } {
  return to.threadId === undefined ? {} : { thread_ts: to.threadId };
}

function cutLabel(label: string): string {
  return label.length <= LABEL_LIMIT ? label : `${label.slice(0, LABEL_LIMIT - 1)}…`;
}
