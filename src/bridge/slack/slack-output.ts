import type { App } from '@slack/bolt';
import { slackMarkup, splitMessage, type ChatOutput, type ReplyTarget, type SentMessage } from '../../chat/index.js';
import type { ResponseFrame } from '../../protocol/index.js';

/** Slack takes 40 000 characters but advises 4 000 per message for readability. */
export const SLACK_LIMIT = 3900;

/** Answers in Slack threads (`thread_ts` of the originating message's thread). */
export class SlackOutput implements ChatOutput {
  readonly limit = SLACK_LIMIT;
  readonly markup = slackMarkup;

  constructor(private readonly client: App['client']) {}

  async send(to: ReplyTarget, text: string): Promise<SentMessage> {
    const sent = await this.client.chat.postMessage({ channel: to.chatId, text, unfurl_links: false, ...(to.threadId === undefined ? {} : { thread_ts: to.threadId }) });
    return { chatId: sent.channel ?? to.chatId, messageId: sent.ts ?? '' };
  }

  async edit(message: SentMessage, text: string): Promise<void> {
    await this.client.chat.update({ channel: message.chatId, ts: message.messageId, text });
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
