import type { Environment } from './environment.js';
import { logFormatSchema, logLevelSchema, resolveSetting } from './settings.js';

export interface LogSettings {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `pretty` is for people at a terminal; `json` for log collectors. */
  format: 'json' | 'pretty';
}

export function resolveLogSettings(flags: { logLevel?: string; logFormat?: string }, env: Environment, isTty: boolean): LogSettings {
  return {
    level: resolveSetting({ flag: 'log-level', env: 'LOG_LEVEL', schema: logLevelSchema, fallback: () => 'info' as const }, flags.logLevel, env),
    format: resolveSetting(
      { flag: 'log-format', env: 'LOG_FORMAT', schema: logFormatSchema, fallback: () => (isTty ? 'pretty' : 'json') },
      flags.logFormat,
      env,
    ),
  };
}
