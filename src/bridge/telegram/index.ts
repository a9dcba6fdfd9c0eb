export { createLimitedBot } from './limited-bot.js';
export { TelegramAdapter, toAction, type TelegramAdapterOptions } from './telegram-adapter.js';
export { isForOtherBot, isReadable, toIncoming, type MessageContext } from './telegram-incoming.js';
export { TELEGRAM_LIMIT, TelegramOutput, type PlainFallback } from './telegram-output.js';
export { RateLimiter } from './rate-limiter.js';
