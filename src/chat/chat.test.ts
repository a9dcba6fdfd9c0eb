import { describe, expect, it } from 'vitest';
import { layerSettings } from '../bridge/settings.js';
import { environmentFrom, resolveBridgeConfig } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import type { SequencedJobEvent } from '../protocol/index.js';
import { checkMarkdownV2 } from '../test-support/telegram-formats.js';
import { DiffParts } from './diff-parts.js';
import { ChatEngine, parseCommand, parseRun, splitMessage, telegramMarkup, type ChatOutput, type JobGateway } from './index.js';

const diffEvent = (part: number, parts: number, text: string): SequencedJobEvent => ({ seq: part, at: '', event: { kind: 'diff', part, parts, text } });

describe('chat engine pieces', () => {
  it('escapes MarkdownV2 so Telegram accepts any text', () => {
    const md = telegramMarkup('MarkdownV2');
    const text = `${md.bold('Job #1 done (2.5 s)!')}\n${md.escape('a_b*c[d](e)~f`g>h#i+j-k=l|m{n}o.p!q\\r')}\n${md.code('rm -rf `x` \\ y')}\n${md.link('job (1)', 'http://x/jobs/1')}`;
    expect(checkMarkdownV2(text)).not.toHaveProperty('error');
    expect(checkMarkdownV2('1.5')).toHaveProperty('error');
  });

  it('splits at line breaks within the limit and never inside an escape', () => {
    const md = telegramMarkup('MarkdownV2');
    const text = md.escape(`${'a.'.repeat(3000)}`);
    const parts = splitMessage(text, 4096, md);
    expect(parts.every((p) => p.length <= 4096 && !('error' in checkMarkdownV2(p)))).toBe(true);
    expect(parts.join('')).toBe(text);
    expect(splitMessage('one\ntwo\nthree', 9, telegramMarkup(''))).toEqual(['one\ntwo', 'three']);
  });

  it('parses commands and /run', () => {
    expect(parseCommand('/status@csc_bot')).toEqual({ name: 'status', args: '' });
    expect(parseCommand('hello')).toBeUndefined();
    expect(parseRun('@box acme/app fix the build')).toEqual({ node: 'box', repo: 'acme/app', prompt: 'fix the build' });
    expect(parseRun('@box fix it')).toEqual({ node: 'box', prompt: 'fix it' });
    expect(parseRun('fix it')).toBeUndefined();
  });

  it('layers settings: flags > dashboard > environment', () => {
    const env = environmentFrom({ TELEGRAM_BOT_TOKEN: '1:env-token', TELEGRAM_ALLOWED_CHATS: '1,2', SLACK_ALLOWED_USERS: 'U1' });
    const config = resolveBridgeConfig({ telegramParseMode: 'HTML' }, env, false);
    const dashboard = {
      slack: { defaultChannel: '', allowedChannels: null, allowedUsers: ['U2'] },
      telegram: { botToken: '1:dashboard-token', parseMode: 'MarkdownV2' as const, allowedChats: null },
    };
    const layered = layerSettings(config.platforms, dashboard, config.overrides);
    expect(layered.telegram).toMatchObject({ botToken: '1:dashboard-token', parseMode: 'HTML', allowedChats: ['1', '2'], apiRoot: 'https://api.telegram.org' });
    expect(layered.slack.allowedUsers).toEqual(['U2']);
    // A list saved empty is the dashboard's choice too: nobody, whatever the environment allows.
    expect(layerSettings(config.platforms, { ...dashboard, telegram: { ...dashboard.telegram, allowedChats: [] } }, config.overrides).telegram.allowedChats).toEqual([]);
    expect(config.masterUrls).toEqual(['ws://127.0.0.1:8765']);
  });

  it('puts a diff together from its parts in any order, and gives up on a missing part or past its limit', () => {
    const whole = new DiffParts(100);
    whole.add([diffEvent(2, 3, 'b'), diffEvent(1, 3, 'a')]);
    expect(whole.text()).toBeUndefined();
    whole.add([diffEvent(3, 3, 'c'), diffEvent(1, 3, 'a')]);
    expect(whole.text()).toBe('abc');
    const large = new DiffParts(100);
    large.add([diffEvent(1, 2, 'x'.repeat(60)), diffEvent(2, 2, 'y'.repeat(60))]);
    expect(large.text()).toBeUndefined();
  });

  it('answers /pr without a master (the standalone runner) with where it works', async () => {
    const sent: string[] = [];
    const gateway: JobGateway = {
      submit: () => Promise.reject(new Error('no jobs here')),
      cancel: () => Promise.resolve(),
      status: () => Promise.reject(new Error('no status here')),
      onUpdate: () => () => undefined,
      answer: () => Promise.reject(new Error('no questions here')),
    };
    const output: ChatOutput = {
      markup: telegramMarkup(''),
      limit: 4096,
      send: (to, text) => {
        sent.push(text);
        return Promise.resolve({ chatId: to.chatId, messageId: String(sent.length) });
      },
      edit: () => Promise.resolve(),
      sendButtons: () => Promise.reject(new Error('no buttons here')),
    };
    const engine = new ChatEngine({ gateway, access: () => ({ allowed: true }), log: silentLogger() });
    await engine.handle({ platform: 'telegram', chatId: '1', messageId: '1', userId: '1', text: '/pr' }, output);
    expect(sent).toEqual([expect.stringContaining('/pr works only through the bridge (csc bridge)')]);
  });
});
