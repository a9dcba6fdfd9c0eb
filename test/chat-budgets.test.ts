import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { assistantMessage, execCommandCall } from '../src/test-support/responses-stand-in.js';
import { describeOnEngines } from '../src/test-support/test-database.js';
import { waitFor } from '../src/test-support/wait.js';
import { startChatWorld, type ChatWorld } from './chat-e2e-fixture.js';

// The bridge end to end on each store engine: budgets read and write usage, budgets and jobs.
describeOnEngines('budgets from chat: real master, node and codex', (engine) => {
  let world: ChatWorld;

  beforeAll(async () => {
    world = await startChatWorld({ master: { databaseUrl: await engine.databaseUrl('chat_budgets') } });
  }, 60_000);
  afterAll(() => world.close());
  // A test that failed may leave scripted answers behind: the next one starts from none.
  beforeEach(() => world.model.reset());

  async function saveBudgets(budgets: Record<string, number | null>): Promise<void> {
    const saved = await world.master.api('/api/budgets', { method: 'PUT', body: JSON.stringify(budgets) });
    expect(saved.status).toBe(200);
  }

  it('refuses a request over the chat budget with the figures, and runs nothing', async () => {
    const { master, model, telegram } = world;
    model.enqueue({ output: [assistantMessage('First answer.')], usage: { inputTokens: 1200, outputTokens: 34 } });
    telegram.say({ chatId: 2301, languageCode: 'en', text: 'spend a little' });
    await world.telegramReply(2301, 'First answer', { timeoutMs: 30_000 });
    await saveBudgets({ chatDaily: 1000 });
    const jobs = (await master.jobs.list({ limit: 100 })).length;
    const requests = model.requests.length;
    const seen = telegram.sentTo(2301).length;
    telegram.say({ chatId: 2301, languageCode: 'en', text: 'spend some more' });
    const refused = await world.telegramReply(2301, '1,000', { after: seen });
    expect(refused.text).toContain('1,234');
    expect(refused.text).toMatch(/budget/i);
    expect((await master.jobs.list({ limit: 100 })).length).toBe(jobs);
    expect(model.requests.length).toBe(requests);
    // `/usage` shows the same figures from the master.
    const asked = telegram.sentTo(2301).length;
    telegram.say({ chatId: 2301, languageCode: 'en', text: '/usage' });
    expect((await world.telegramReply(2301, '1,234', { after: asked })).text).toContain('1,000');
  }, 60_000);

  it('cancels a running job once its usage takes the chat over the budget, and says why', async () => {
    const { master, model, telegram } = world;
    await saveBudgets({ chatDaily: 1000 });
    // The first response's usage (5000) crosses the budget; the second would run for a minute.
    model.enqueue({ output: [execCommandCall('echo working')], usage: { inputTokens: 5000, outputTokens: 10 } }, { output: [assistantMessage('too late')], delayMs: 60_000 });
    telegram.say({ chatId: 2302, languageCode: 'en', text: 'spend a lot' });
    const result = await world.telegramReply(2302, /over budget/i, { timeoutMs: 30_000 });
    expect(result.text).toContain('5,010 of 1,000');
    expect(result.text).not.toContain('too late');
    const job = await waitFor(async () => (await master.jobs.list({ limit: 100 })).find((j) => j.prompt === 'spend a lot' && j.status === 'cancelled'), 'the cancelled job');
    expect(job.error ?? job.result?.error).toMatch(/budget/i);
  }, 60_000);
});
