import type { ChatPlatformSettings, PlatformOverrides } from '../config/index.js';
import type { BridgeSettingsPayload } from '../protocol/index.js';

/** A dashboard section with only the values it sets. */
type SetValues<T> = { [K in keyof T]?: Exclude<T[K], null> };

/**
 * What the dashboard sets: an empty text (no default channel, plain parse mode) or an unset token
 * leaves the environment's value, and so does an allow-list saved as `null`; a saved list, even an
 * empty one, replaces the environment's, so that an admin can close access from the dashboard.
 */
function setOnly<T extends object>(section: T): SetValues<T> {
  return Object.fromEntries(Object.entries(section).filter(([, value]) => value !== undefined && value !== null && value !== '')) as SetValues<T>;
}

/**
 * The settings a platform runs with: CLI flags > the dashboard's (what it has set) > environment
 * and `.env` > defaults. Flags win because someone typed them for this process; the dashboard wins
 * over the environment so that saving there changes a running bridge.
 */
export function layerSettings(base: ChatPlatformSettings, dashboard: BridgeSettingsPayload | undefined, flags: PlatformOverrides): ChatPlatformSettings {
  return {
    slack: { ...base.slack, ...(dashboard ? setOnly(dashboard.slack) : {}), ...flags.slack },
    telegram: { ...base.telegram, ...(dashboard ? setOnly(dashboard.telegram) : {}), ...flags.telegram },
  };
}

/** Why a platform does not run, or undefined when it can. */
export function missingTokens(platform: 'slack' | 'telegram', settings: ChatPlatformSettings): string | undefined {
  if (platform === 'telegram') return settings.telegram.botToken === undefined ? 'no TELEGRAM_BOT_TOKEN' : undefined;
  const missing = [settings.slack.botToken === undefined ? 'SLACK_BOT_TOKEN' : undefined, settings.slack.appToken === undefined ? 'SLACK_APP_TOKEN' : undefined].filter(Boolean);
  return missing.length > 0 ? `no ${missing.join(' and ')}` : undefined;
}

/** The fields whose change needs a platform restarted (a new connection); the rest apply at once. */
export function connectionKey(platform: 'slack' | 'telegram', settings: ChatPlatformSettings): string {
  return platform === 'telegram'
    ? JSON.stringify([settings.telegram.botToken, settings.telegram.apiRoot])
    : JSON.stringify([settings.slack.botToken, settings.slack.appToken, settings.slack.apiUrl]);
}
