import { describe, expect, it } from 'vitest';
import { engineOn, message, RecordingOutput, ScriptedGateway } from '../test-support/chat-engine-kit.js';
import { waitFor } from '../test-support/wait.js';
import { botCommands, type JobGateway } from './index.js';

const PROFILES = [
  { name: 'fast', description: 'small model', model: 'gpt-mini' },
  { name: 'deep', model: 'gpt-big', repo: 'acme/app' },
];

function bridgeLike() {
  const gateway = new ScriptedGateway();
  gateway.statusAnswer = {
    ...gateway.statusAnswer,
    nodes: [
      { name: 'box', status: 'online', tags: [], slots: 2, running: [], codexVersion: '0.169.0' },
      { name: 'old', status: 'unresponsive', tags: [], slots: 1, running: [] },
    ],
    profiles: PROFILES,
  };
  return { gateway, output: new RecordingOutput(), engine: engineOn(gateway) };
}

describe('chat engine: languages and commands', () => {
  it('answers a ko user in Korean and an en user in English; the setting overrides', async () => {
    const { gateway, output, engine } = bridgeLike();
    await engine.handle(message('/help', { language: 'ko' }), output);
    await engine.handle(message('/help', { language: 'en-US' }), output);
    await engine.handle(message('/help'), output);
    const [ko, en, none] = output.texts();
    expect(ko).toContain('요청을 보내면 Codex가 작업해요');
    expect(ko).toContain('/profile list|<name> — 프로필 목록 보기');
    expect(en).toContain('Write a request and Codex works on it');
    expect(none).toBe(en);
    const korean = engineOn(gateway, { language: 'ko' });
    await korean.handle(message('/help', { language: 'en' }), output);
    expect(output.texts().at(-1)).toBe(ko);
  });

  it('lists every command in /help, and answers an unknown /command with the list instead of running it', async () => {
    const { gateway, output, engine } = bridgeLike();
    await engine.handle(message('/help'), output);
    for (const command of ['/status', '/nodes', '/profile list|<name>', '/mode single|multi', '/usage', '/run @node', '/cancel', '/new', '/pr']) expect(output.texts()[0]).toContain(command);
    await engine.handle(message('/frobnicate now'), output);
    await engine.handle(message('/frobnicate', { language: 'ko' }), output);
    expect(output.texts()[1]).toMatch(/^There is no \/frobnicate command\. These are:\n\/start — this help\n\/status/);
    expect(output.texts()[2]).toMatch(/^\/frobnicate 명령은 없어요\./);
    expect(gateway.submits).toEqual([]);
    // A path is not a command.
    await engine.handle(message('/usr/bin/env is missing'), output);
    expect(gateway.submits.map((s) => s.prompt)).toEqual(['/usr/bin/env is missing']);
  });

  it('gives Telegram one menu per language', () => {
    const en = botCommands('en');
    const ko = botCommands('ko');
    expect(en.map((c) => c.command)).toEqual(ko.map((c) => c.command));
    expect(en.map((c) => c.command)).toEqual(expect.arrayContaining(['start', 'help', 'status', 'profile', 'mode', 'usage', 'cancel', 'new', 'pr']));
    for (const { command, description } of [...en, ...ko]) {
      expect(command).toMatch(/^[a-z0-9_]{1,32}$/);
      expect(description.length).toBeGreaterThan(0);
      expect(description.length).toBeLessThanOrEqual(256);
    }
    expect(ko.find((c) => c.command === 'usage')?.description).toMatch(/[가-힣]/);
  });

  it('keeps /profile and /mode in the thread and sends them with each request', async () => {
    const { gateway, output, engine } = bridgeLike();
    await engine.handle(message('/profile list'), output);
    expect(output.texts()[0]).toBe('Profiles:\n◦ fast — small model\n◦ deep');
    await engine.handle(message('/profile nope'), output);
    expect(output.texts()[1]).toBe('No profile "nope". Profiles: fast, deep');
    await engine.handle(message('/profile deep'), output);
    await engine.handle(message('/mode multi'), output);
    await engine.handle(message('/mode sideways'), output);
    expect(output.texts().slice(2)).toEqual(['Profile: deep', 'Mode: multi', 'Usage: /mode single|multi (now multi)']);
    await engine.handle(message('/profile list'), output);
    expect(output.texts().at(-1)).toContain('• deep');
    await engine.handle(message('build it'), output);
    expect(gateway.submits[0]).toMatchObject({ prompt: 'build it', profileName: 'deep', mode: 'multi', origin: { kind: 'telegram', chatId: '1', userId: '7' } });
    // Another thread has its own settings.
    await engine.handle(message('elsewhere', { chatId: '2' }), output);
    expect(gateway.submits[1]).not.toHaveProperty('profileName');
    await engine.handle(message('/profile none'), output);
    expect(output.texts().at(-1)).toBe('Profile: none (the master and node defaults).');
  });

  it('says there are no profiles, in the user\'s language', async () => {
    const gateway = new ScriptedGateway();
    const output = new RecordingOutput();
    await engineOn(gateway).handle(message('/profile', { language: 'ko' }), output);
    expect(output.texts()[0]).toContain('아직 프로필이 없어요');
  });

  it('shows mode, profile, the last run and each node\'s Codex in /status', async () => {
    const { gateway, output, engine } = bridgeLike();
    await engine.handle(message('/profile fast'), output);
    await engine.handle(message('hello'), output);
    gateway.push({ id: 1, status: 'succeeded', finishedAt: '2030-01-01T00:01:00.000Z', result: { status: 'succeeded', filesChanged: [], commands: [], durationMs: 1500, finalMessage: 'Hi.' } });
    await waitFor(() => output.texts().some((t) => t.includes('Hi.')), 'the answer');
    await engine.handle(message('/status'), output);
    const status = output.texts().at(-1) ?? '';
    expect(status).toContain('Mode: single');
    expect(status).toContain('Profile: fast');
    expect(status).toMatch(/Last run: job #1 succeeded at \S+/);
    expect(status).toContain('• box (online): Codex 0.169.0');
    expect(status).toContain('• old (unresponsive): no Codex');
    await engine.handle(message('/status', { language: 'ko' }), output);
    expect(output.texts().at(-1)).toContain('• box (온라인): Codex 0.169.0');
  });

  it('shows /usage against the budgets, and says where usage is recorded when it is not', async () => {
    const { output, engine } = bridgeLike();
    await engine.handle(message('/usage'), output);
    expect(output.texts()[0]).toContain('Usage is not recorded here');
    const tokens = (total: number) => ({ input: total - 10, output: 10, total });
    const gateway: JobGateway & ScriptedGateway = Object.assign(new ScriptedGateway(), {
      usage: () =>
        Promise.resolve({
          report: {
            from: '2030-01-01',
            to: '2030-01-07',
            total: { jobs: 3, tokens: tokens(15_000) },
            days: [{ key: '2030-01-07', jobs: 3, tokens: tokens(15_000) }],
            users: [],
            chats: [],
            nodes: [],
            budgets: { userDaily: 10_000, chatDaily: null },
          },
          today: { user: tokens(12_345), chat: tokens(15_000), master: tokens(15_000) },
        }),
    });
    const withUsage = engineOn(gateway);
    await withUsage.handle(message('/usage'), output);
    const text = output.texts().at(-1) ?? '';
    expect(text).toContain('You: 12,345 tokens of 10,000');
    expect(text).toContain('This chat: 15,000 tokens\n');
    expect(text).toContain('2030-01-07: 15,000 tokens, 3 jobs');
    await withUsage.handle(message('/usage', { language: 'ko' }), output);
    expect(output.texts().at(-1)).toContain('나: 12,345 토큰 / 예산 10,000');
  });
});
