import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import type { LogSettings } from '../config/index.js';

export type { Logger } from 'pino';

/**
 * Field paths that may hold secrets. Tokens never reach a log line: the code does not log them,
 * and this is the net in case a future call site passes a whole object.
 */
const REDACT = [
  'token', '*.token', 'adminToken', '*.adminToken', 'authorization', '*.authorization', 'headers.authorization',
  // Bridge tokens, as the settings hold them (`{slack: {botToken}}`), alone or inside a record.
  ...['botToken', 'appToken'].flatMap((key) => [key, `*.${key}`, `*.*.${key}`]),
  // The bridge's master link and Telegram/Slack clients carry tokens in these.
  'settings.slack.botToken', 'settings.slack.appToken', 'settings.telegram.botToken', 'config.token', 'headers.Authorization',
];

/** Structured JSON logs on stderr, or a human-readable rendering of the same for a terminal. */
export function createLogger(settings: LogSettings, component: string): Logger {
  const options = { base: { pid: process.pid, component }, level: settings.level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (settings.format === 'pretty') {
    return pino(options, pretty({ destination: 2, sync: true, colorize: true, ignore: 'pid,hostname,component', messageFormat: '{component}: {msg}', translateTime: 'HH:MM:ss.l' }));
  }
  return pino(options, pino.destination({ dest: 2, sync: false }));
}

/** A logger that drops everything, for embedding and tests that assert on behaviour, not logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
