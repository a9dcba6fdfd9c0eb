import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import type { Environment } from './environment.js';

/** One setting: a CLI flag and/or an environment key, a parser, and a default. */
export interface Setting<T> {
  flag?: string;
  env?: string;
  schema: z.ZodType<T>;
  fallback: () => T;
  /** How a bad value is shown in its error, for a secret the default rules do not recognize (a URL with a password). */
  redact?: (raw: string) => string;
}

/**
 * Resolves a setting with the precedence CLI flag > environment > `.env` > default, validating
 * the winning value and naming its key when it is bad.
 */
export function resolveSetting<T>(setting: Setting<T>, flagValue: string | undefined, env: Environment): T {
  const fromEnv = setting.env === undefined ? undefined : env.get(setting.env);
  const raw = flagValue ?? fromEnv?.value;
  if (raw === undefined) return setting.fallback();
  const key = flagValue !== undefined ? `--${setting.flag ?? '?'}` : `${setting.env ?? '?'} (${fromEnv?.origin ?? ''})`;
  const result = setting.schema.safeParse(raw);
  if (!result.success) {
    const reason = result.error.issues[0]?.message ?? 'invalid value';
    throw new ConfigError(key, `${reason} (got ${JSON.stringify(redactIfSecret(setting, raw))})`);
  }
  return result.data;
}

function redactIfSecret(setting: Setting<unknown>, raw: string): string {
  if (setting.redact !== undefined) return setting.redact(raw);
  return /TOKEN/.test(setting.env ?? '') || setting.flag === 'token' ? `${raw.length} characters` : raw;
}

export const hostSchema = z.string().trim().min(1, 'must not be empty');
export const portSchema = z.coerce
  .number({ message: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');
export const positiveSecondsSchema = z.coerce.number({ message: 'must be a number of seconds' }).positive('must be more than 0');
export const byteSizeSchema = z.coerce
  .number({ message: 'must be a number of bytes' })
  .int('must be a whole number of bytes')
  .min(1024, 'must be at least 1024 bytes');
export const tokenSchema = z
  .string()
  .trim()
  .min(16, 'must be at least 16 characters; leave it unset to have one generated')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
export const tagsSchema = z
  .string()
  .transform((s) => s.split(',').map((t) => t.trim()).filter((t) => t.length > 0))
  .pipe(z.array(z.string().max(64, 'each tag must be at most 64 characters')).max(32, 'at most 32 tags'));
export const booleanSchema = z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1');
export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  message: 'must be one of fatal, error, warn, info, debug, trace, silent',
});
export const logFormatSchema = z.enum(['json', 'pretty'], { message: 'must be json or pretty' });
export const pathSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .transform((p) => resolve(p.startsWith('~/') || p === '~' ? join(homedir(), p.slice(1)) : p));

/** `~/.codex-super-client`, where the master keeps its store and generated secrets. */
export function defaultDataDir(): string {
  return join(homedir(), '.codex-super-client');
}
