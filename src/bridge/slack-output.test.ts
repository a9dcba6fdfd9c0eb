import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackStandIn } from '../test-support/slack-stand-in.js';
import { SlackOutput } from './slack/index.js';

let slack: SlackStandIn;
let client: webApi.WebClient;
let output: SlackOutput;

beforeAll(async () => {
  slack = await SlackStandIn.start();
  client = new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
  output = new SlackOutput(client);
});
afterAll(() => slack.close());

const buttons = [
  { label: 'Approve once', data: 'q|7|a1q1|a', style: 'primary' as const },
  { label: 'Deny', data: 'q|7|a1q1|d', style: 'danger' as const },
];

describe('SlackOutput buttons (Web API stand-in)', () => {
  it('posts the text as a section and the buttons as an actions block, with the text as the fallback', async () => {
    const sent = await output.sendButtons({ chatId: 'C1', threadId: '1.1' }, '*Codex asks* to run `make`', buttons);
    const posted = slack.posted.find((p) => p.ts === sent.messageId);
    expect(posted).toMatchObject({ channel: 'C1', threadTs: '1.1', text: '*Codex asks* to run `make`' });
    expect(posted?.blocks).toMatchObject([
      { type: 'section', text: { type: 'mrkdwn', text: '*Codex asks* to run `make`' } },
      {
        type: 'actions',
        elements: [
          { type: 'button', action_id: 'csc_answer_0', text: { type: 'plain_text', text: 'Approve once' }, value: 'q|7|a1q1|a', style: 'primary' },
          { type: 'button', action_id: 'csc_answer_1', text: { type: 'plain_text', text: 'Deny' }, value: 'q|7|a1q1|d', style: 'danger' },
        ],
      },
    ]);
  });

  it('keeps within Block Kit’s limits: long text in several sections, many buttons in several blocks, long labels cut', async () => {
    const text = `${'a'.repeat(2500)}\n${'b'.repeat(1300)}`;
    const many = Array.from({ length: 30 }, (_, i) => ({ label: `${'option '.repeat(12)}${i}`, data: `q|7|a1q2|o${i}` }));
    // Slack refuses a message breaking any limit (`invalid_blocks`), and the client throws.
    const sent = await output.sendButtons({ chatId: 'C1' }, text, many);
    const posted = slack.posted.find((p) => p.ts === sent.messageId);
    expect(posted?.blocks.map((b) => b.type)).toEqual(['section', 'section', 'actions', 'actions']);
    expect(posted?.blocks.filter((b) => b.type === 'section').map((b) => b.text?.text).join('\n')).toBe(text);
    const elements = posted?.blocks.flatMap((b) => b.elements ?? []) ?? [];
    expect(elements.map((e) => e.value)).toEqual(many.map((b) => b.data));
    expect(new Set(elements.map((e) => e.action_id)).size).toBe(30);
    expect(elements.every((e) => (e.text?.text.length ?? 0) <= 75)).toBe(true);
  });

  it('edits a question message down to its text: the buttons go', async () => {
    const sent = await output.sendButtons({ chatId: 'C1', threadId: '1.1' }, 'Codex asks', buttons);
    const posted = slack.posted.find((p) => p.ts === sent.messageId);
    // Slack keeps the blocks of an update that leaves them out, text or not.
    await client.chat.update({ channel: 'C1', ts: sent.messageId, text: 'without blocks' });
    expect(posted?.blocks.map((b) => b.type)).toEqual(['section', 'actions']);
    await output.edit(sent, 'Denied by alice');
    expect(posted).toMatchObject({ text: 'Denied by alice', blocks: [] });
    expect(() => slack.press(posted!, 'Deny', { id: 'U1' })).toThrow(/no button "Deny"/);
  });

  it('tells one user in the thread, in plain text', async () => {
    await output.ephemeral({ chatId: 'C1', threadId: '1.1' }, 'U1', 'Already decided by <bob> & co');
    expect(slack.ephemeral.at(-1)).toEqual({ channel: 'C1', user: 'U1', threadTs: '1.1', text: 'Already decided by &lt;bob&gt; &amp; co' });
  });
});
