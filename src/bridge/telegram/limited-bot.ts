import { autoRetry } from '@grammyjs/auto-retry';
import { Bot } from 'grammy';
import type { RateLimiter } from './rate-limiter.js';

const LIMITED_METHODS = new Set(['sendMessage', 'editMessageText', 'sendDocument']);

/** A grammY bot whose sends and edits are spaced by `limiter` and whose 429s wait out `retry_after`. */
export function createLimitedBot(token: string, apiRoot: string | undefined, limiter: RateLimiter): Bot {
  const bot = new Bot(token, { client: apiRoot === undefined ? {} : { apiRoot } });
  bot.api.config.use(async (prev, method, payload, signal) => {
    const chat = (payload as { chat_id?: number | string }).chat_id;
    if (LIMITED_METHODS.has(method) && chat !== undefined) await limiter.wait(String(chat));
    return prev(method, payload, signal);
  });
  bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 120 }));
  return bot;
}
