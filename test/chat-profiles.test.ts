import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assistantMessage, execCommandCall } from '../src/test-support/responses-stand-in.js';
import { en } from '../src/chat/i18n/en.js';
import { originRepository } from '../src/test-support/git-fixtures.js';
import { SLACK_BOT_USER } from '../src/test-support/slack-stand-in.js';
import { waitFor } from '../src/test-support/wait.js';
import { HANGUL, modelInput, startChatWorld, type ChatWorld } from './chat-e2e-fixture.js';

let world: ChatWorld;

beforeAll(async () => {
  world = await startChatWorld();
}, 60_000);
afterAll(() => world.close());
// A test that failed may leave scripted answers behind: the next one starts from none.
beforeEach(() => world.model.reset());

describe('seed 001 commands on the bridge (real master, node and codex)', () => {
  it("/profile switches the thread's model and repository", async () => {
    const { master, model, telegram } = world;
    const origin = originRepository({ 'MARKER.txt': 'kiwi-42\n' });
    const saved = await master.api('/api/profiles/fast', { method: 'PUT', body: JSON.stringify({ model: 'gpt-5.4-mini', repo: origin.bare, description: 'the quick one' }) });
    expect(saved.status).toBeLessThan(300);
    const chat = 2101;
    telegram.say({ chatId: chat, languageCode: 'en', text: '/profile list' });
    await world.telegramReply(chat, 'fast');
    const seen = telegram.sentTo(chat).length;
    telegram.say({ chatId: chat, languageCode: 'en', text: '/profile fast' });
    await world.telegramReply(chat, 'fast', { after: seen });
    const before = model.requests.length;
    model.enqueue({ output: [execCommandCall('cat MARKER.txt')] }, { output: [assistantMessage('The marker says kiwi.')] });
    telegram.say({ chatId: chat, languageCode: 'en', text: 'what does the marker file say?' });
    await world.telegramReply(chat, 'The marker says kiwi', { timeoutMs: 30_000 });
    const request = model.requests[before]?.body as { model?: string };
    expect(request.model).toBe('gpt-5.4-mini');
    // Codex ran `cat` in the job's checkout of the profile's repository.
    expect(modelInput(model, before + 1)).toContain('kiwi-42');
    const job = (await master.jobs.list({ limit: 20 })).find((j) => j.prompt === 'what does the marker file say?');
    expect(job).toMatchObject({ profileName: 'fast', repo: origin.bare });
  }, 60_000);

  it('/mode multi runs planner, coder and reviewer as linked jobs, shown in one progress message, the verdict in the answer', async () => {
    const { master, model, telegram } = world;
    const chat = 2102;
    telegram.say({ chatId: chat, languageCode: 'en', text: '/mode multi' });
    await world.telegramReply(chat, 'multi');
    const before = model.requests.length;
    model.enqueue(
      { output: [assistantMessage('Plan: 1. write hello.txt')] },
      { output: [assistantMessage('Wrote hello.txt as planned.')] },
      { output: [assistantMessage('Looks right. Verdict: APPROVE')] },
    );
    const asked = telegram.say({ chatId: chat, languageCode: 'en', text: 'add a hello file' });
    // The answer, not the progress message (which shows the reviewer's words while it still runs).
    const answer = await world.telegramReply(chat, en.pipeline.verdict('reviewer'), { timeoutMs: 45_000 });
    expect(answer.text).toContain('Verdict: APPROVE');
    expect(model.requests.length - before).toBe(3);
    // Each step's turn saw its role's prompt and the step before it.
    expect(modelInput(model, before)).toMatch(/planner/i);
    expect(modelInput(model, before + 1)).toMatch(/coder/i);
    expect(modelInput(model, before + 1)).toContain('Plan: 1. write hello.txt');
    expect(modelInput(model, before + 2)).toMatch(/reviewer/i);
    expect(modelInput(model, before + 2)).toContain('Wrote hello.txt as planned.');
    const steps = (await master.jobs.list({ limit: 50 })).filter((j) => j.pipeline !== undefined && j.prompt.includes('add a hello file'));
    expect(steps.map((j) => [j.pipeline?.role, j.pipeline?.step, j.pipeline?.steps, j.status]).sort()).toEqual([
      ['coder', 2, 3, 'succeeded'],
      ['planner', 1, 3, 'succeeded'],
      ['reviewer', 3, 3, 'succeeded'],
    ]);
    // The progress message follows the steps (a quick last one may show only in the answer's list of steps).
    const progress = telegram.sentTo(chat).find((m) => m.replyTo === asked && m !== answer && m.history.some((h) => h.includes('1/3 planner')));
    const shown = `${progress?.history.join('\n') ?? ''}\n${answer.text}`;
    for (const step of ['1/3 planner', '2/3 coder', '3/3 reviewer']) expect(shown).toContain(step);
  }, 60_000);

  it('answers a Korean user in Korean and an English one in English, on Telegram and Slack', async () => {
    const { telegram, slack } = world;
    telegram.say({ chatId: 2103, languageCode: 'ko', text: '/help' });
    const korean = await world.telegramReply(2103, '/profile');
    expect(korean.text).toMatch(HANGUL);
    telegram.say({ chatId: 2104, languageCode: 'en', text: '/help' });
    const english = await world.telegramReply(2104, '/profile');
    expect(english.text).not.toMatch(HANGUL);
    slack.members.set('UKO', { name: 'jiwoo', locale: 'ko-KR' });
    slack.members.set('UEN', { name: 'june', locale: 'en-US' });
    const koTs = slack.nextTs();
    slack.sendEvent({ type: 'app_mention', channel: 'C1', user: 'UKO', text: `<@${SLACK_BOT_USER}> /help`, ts: koTs });
    const enTs = slack.nextTs();
    slack.sendEvent({ type: 'app_mention', channel: 'C1', user: 'UEN', text: `<@${SLACK_BOT_USER}> /help`, ts: enTs });
    const inThread = (ts: string) => waitFor(() => slack.posted.find((p) => p.threadTs === ts && p.text.includes('/profile')), `the /help answer in ${ts}`, 10_000);
    expect((await inThread(koTs)).text).toMatch(HANGUL);
    expect((await inThread(enTs)).text).not.toMatch(HANGUL);
  }, 60_000);
});
