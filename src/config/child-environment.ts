import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './config-error.js';
import type { Environment } from './environment.js';
import { SECRET_FILES } from './secrets.js';

/**
 * Variables never passed on to Codex or git, whatever CSC_HIDDEN_ENV says: the master's
 * credentials (`MASTER_TOKEN`, `MASTER_BRIDGE_TOKEN`, `MASTER_ADMIN_TOKEN`, any later
 * `MASTER_*TOKEN`, the database URL with its password) and the chat platforms' (Telegram's bot
 * token, Slack's bot, app and user tokens and signing secret, the transcription endpoint's key), and a node's `GITHUB_TOKEN` (git
 * gets it for a push only, as config in that command's environment). A job's commands inherit
 * Codex's environment, so anything left here is readable by the agent. `*` matches any characters.
 */
export const BUILT_IN_HIDDEN_NAMES: readonly string[] = ['MASTER_*TOKEN', 'MASTER_DATABASE_URL', 'TELEGRAM_*TOKEN', 'SLACK_*TOKEN', 'SLACK_*SECRET', 'CHAT_TRANSCRIBE_API_KEY', 'GITHUB_TOKEN'];

/** The setting naming more variables to drop: comma-separated names, a `*` matching any characters (`ACME_*`). */
export const HIDDEN_ENV_SETTING = 'CSC_HIDDEN_ENV';

/**
 * A secret value at least this long is also found inside a longer value (a URL carrying a token
 * in its query); a shorter one only as a whole value, so that it cannot match half of PATH.
 */
const CONTAINED_MIN_LENGTH = 16;

const NAME_PATTERN = /^[A-Za-z0-9_*]+$/;

/** What a child environment must not carry, besides the names every child loses. */
export interface HiddenSecrets {
  /**
   * Secret values this process holds (a `--token`, tokens read from the master's files): a
   * variable holding one is dropped whatever its name. Undefined and empty entries are ignored.
   */
  values: readonly (string | undefined)[];
}

/** The built-in names plus those CSC_HIDDEN_ENV adds; a malformed entry is a `ConfigError` naming the setting. */
export function hiddenNamePatterns(settings: Environment): string[] {
  const setting = settings.get(HIDDEN_ENV_SETTING);
  if (setting === undefined) return [...BUILT_IN_HIDDEN_NAMES];
  const extra = setting.value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of extra) {
    if (!NAME_PATTERN.test(entry)) throw new ConfigError(HIDDEN_ENV_SETTING, `"${entry}" is not a variable name (letters, digits, _ and a * wildcard)`);
    // A bare `*` would take PATH and HOME as well, and Codex would not start.
    if (/^\*+$/.test(entry)) throw new ConfigError(HIDDEN_ENV_SETTING, `"${entry}" would hide every variable; name the ones to drop, or a prefix such as ACME_*`);
  }
  return [...BUILT_IN_HIDDEN_NAMES, ...extra];
}

/**
 * A copy of `source` without the variables that `names` (patterns, case-insensitive) match and
 * without those holding one of `values`. Pure: the caller decides where `source` comes from.
 */
export function scrubEnvironment(source: NodeJS.ProcessEnv, rules: { names: readonly string[]; values: readonly (string | undefined)[] }): NodeJS.ProcessEnv {
  const matchers = rules.names.map(toMatcher);
  const secrets = rules.values.filter((value): value is string => value !== undefined && value.trim() !== '').map((value) => value.trim());
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (matchers.some((matches) => matches(name))) continue;
    if (secrets.some((secret) => holds(value, secret))) continue;
    kept[name] = value;
  }
  return kept;
}

/**
 * The tokens stored in the master's data dir (`master-token`, `bridge-token`, `admin-token`) that
 * this process can read, so that a copy of one under any name stays out of child environments.
 * A missing or unreadable file is skipped: what this process cannot read it cannot pass on.
 */
export function storedSecretValues(dataDir: string): string[] {
  const values: string[] = [];
  for (const fileName of Object.values(SECRET_FILES)) {
    try {
      const value = readFileSync(join(dataDir, fileName), 'utf8').trim();
      if (value !== '') values.push(value);
    } catch {
      // Not there (a node on another machine) or not ours to read.
    }
  }
  return values;
}

function holds(value: string, secret: string): boolean {
  return value === secret || (secret.length >= CONTAINED_MIN_LENGTH && value.includes(secret));
}

function toMatcher(pattern: string): (name: string) => boolean {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`, 'i');
  return (name) => regex.test(name);
}
