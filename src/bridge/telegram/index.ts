export { createLimitedBot } from './limited-bot.js';
export { TelegramAdapter, toAction, toIncoming, type TelegramAdapterOptions } from './telegram-adapter.js';
export { TELEGRAM_LIMIT, TelegramOutput } from './telegram-output.js';
export { RateLimiter } from './rate-limiter.js';
