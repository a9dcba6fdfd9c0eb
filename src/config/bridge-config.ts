import { join } from 'node:path';
import { z } from 'zod';
import type { BridgeSettingsPayload, TelegramParseMode } from '../protocol/index.js';
import type { MasterUrls } from '../protocol/master-addresses.js';
import type { MasterTrust } from '../protocol/master-socket.js';
import { ConfigError } from './config-error.js';
import type { Environment } from './environment.js';
import { resolveLogSettings, type LogSettings } from './log-settings.js';
import { SECRET_FILES } from './secrets.js';
import { defaultDataDir, hostSchema, pathSchema, portSchema, positiveSecondsSchema, resolveSetting, tokenSchema, type Setting } from './settings.js';
import { resolveMasterTrust, resolveMasterUrls } from './tls-settings.js';

/** A section of the dashboard's settings once layered: every allow-list resolved, none left `null` (inherit). */
type Resolved<T> = { [K in keyof T]: Exclude<T[K], null> };

/** What each chat platform runs with: the dashboard's settings plus the platform's endpoint. A platform runs when its tokens are set. */
export interface ChatPlatformSettings {
  slack: Resolved<BridgeSettingsPayload['slack']> & {
    /** Web API base, ending in `/` (also where Socket Mode is opened). */
    apiUrl: string;
  };
  telegram: Resolved<BridgeSettingsPayload['telegram']> & {
    /** Bot API root without a trailing slash. */
    apiRoot: string;
  };
}

/** Settings given as flags: they win over the dashboard's, which win over the environment's. */
export interface PlatformOverrides {
  slack: Partial<ChatPlatformSettings['slack']>;
  telegram: Partial<ChatPlatformSettings['telegram']>;
}

/** Everything `csc bridge` needs, validated. */
export interface BridgeConfig {
  /** `ws://host:port` or `wss://host:port` of the masters, tried in turn (`--master a,b`, else `--host`/`--port`). */
  masterUrls: MasterUrls;
  /** The CAs of `--ca` for `wss://` masters; undefined: the public CAs. */
  trust?: MasterTrust | undefined;
  /** The bridge credential; undefined: read the master's generated one from `tokenFile` (same host). */
  token: string | undefined;
  /** The master's `bridge-token` file in its data dir. */
  tokenFile: string;
  /** The bridge's name on the master; unique among bridges. */
  name: string;
  /** Base of the dashboard's job links (`{dashboardUrl}/jobs/42`). */
  dashboardUrl: string;
  /** Wait between attempts to reach the master (the seed: 5 s). */
  reconnectMs: number;
  /** From the environment and `.env`. */
  platforms: ChatPlatformSettings;
  /** The chat's language and voice notes; absent (a config built by hand): `auto`, no transcription. */
  chat?: ChatSettings;
  overrides: PlatformOverrides;
  log: LogSettings;
}

/** `CHAT_LANGUAGE`: `auto` follows each user's platform language (Telegram's `language_code`, Slack's locale). */
export type ChatLanguageSetting = 'auto' | 'en' | 'ko';

/** An OpenAI-compatible transcription endpoint for voice notes (`{url}/audio/transcriptions`). */
export interface TranscriptionSettings {
  /** Base URL without a trailing slash, e.g. `https://api.openai.com/v1`. */
  url: string;
  /** Sent as a bearer token; undefined: none (a local server). */
  apiKey?: string;
  model: string;
}

/** What the bridge and the runner share about talking to people. */
export interface ChatSettings {
  language: ChatLanguageSetting;
  /** Undefined: voice notes are answered with how to enable them. */
  transcription?: TranscriptionSettings;
}

/** The chat settings given as flags (the bridge's); the runner reads the environment only. */
export interface ChatFlags {
  chatLanguage?: string;
  chatTranscribeUrl?: string;
  chatTranscribeApiKey?: string;
  chatTranscribeModel?: string;
}

export interface BridgeFlags extends ChatFlags {
  master?: string;
  ca?: string;
  host?: string;
  port?: string;
  token?: string;
  dataDir?: string;
  name?: string;
  dashboardUrl?: string;
  slackBotToken?: string;
  slackAppToken?: string;
  slackDefaultChannel?: string;
  slackAllowedChannels?: string;
  slackAllowedUsers?: string;
  slackApiUrl?: string;
  telegramBotToken?: string;
  telegramParseMode?: string;
  telegramAllowedChats?: string;
  telegramApiRoot?: string;
  logLevel?: string;
  logFormat?: string;
}

const secretSchema = z.string().trim().min(8, 'must be at least 8 characters').regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');
const listSchema = z.string().transform((s) => s.split(',').map((t) => t.trim()).filter((t) => t.length > 0));
const chatListSchema = listSchema.pipe(z.array(z.string().regex(/^(\*|-?\d+)$/, 'each entry must be a numeric chat id or *')));
const parseModeSchema = z.enum(['MarkdownV2', 'HTML', 'Markdown'], { message: 'must be MarkdownV2, HTML or Markdown' });
const httpUrlSchema = z.string().trim().url('must be a URL').refine((u) => /^https?:\/\//.test(u), 'must be an http or https URL');
const nameSchema = z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters');

const languageSchema = z.enum(['auto', 'en', 'ko'], { message: 'must be auto, en or ko' });

/**
 * `CHAT_LANGUAGE` and `CHAT_TRANSCRIBE_*` (flag > environment > `.env` > default). Transcription is on
 * when a URL is set; a key or a model without one is a mistake worth naming rather than ignoring.
 */
export function resolveChatSettings(flags: ChatFlags, env: Environment): ChatSettings {
  const language = resolveSetting({ flag: 'chat-language', env: 'CHAT_LANGUAGE', schema: languageSchema, fallback: () => 'auto' as const }, flags.chatLanguage, env);
  const url = resolveSetting(
    { flag: 'chat-transcribe-url', env: 'CHAT_TRANSCRIBE_URL', schema: httpUrlSchema.transform((u) => u.replace(/\/+$/, '')).optional(), fallback: () => undefined },
    flags.chatTranscribeUrl,
    env,
  );
  const apiKey = resolveSetting({ flag: 'chat-transcribe-api-key', env: 'CHAT_TRANSCRIBE_API_KEY', schema: z.string().trim().min(1).optional(), fallback: () => undefined }, flags.chatTranscribeApiKey, env);
  const model = resolveSetting({ flag: 'chat-transcribe-model', env: 'CHAT_TRANSCRIBE_MODEL', schema: nameSchema.optional(), fallback: () => undefined }, flags.chatTranscribeModel, env);
  if (url === undefined) {
    const stray = apiKey !== undefined ? 'CHAT_TRANSCRIBE_API_KEY' : model !== undefined ? 'CHAT_TRANSCRIBE_MODEL' : undefined;
    if (stray !== undefined) throw new ConfigError(stray, 'is set but CHAT_TRANSCRIBE_URL is not: set the endpoint too (e.g. https://api.openai.com/v1), or unset it');
    return { language };
  }
  return { language, transcription: { url, model: model ?? 'whisper-1', ...(apiKey === undefined ? {} : { apiKey }) } };
}

/** Resolves a platform setting twice: the environment's value, and the flag's when one was given. */
function layered<T>(setting: Setting<T>, flag: string | undefined, env: Environment): { base: T; flag?: T } {
  const base = resolveSetting(setting, undefined, env);
  return flag === undefined ? { base } : { base, flag: resolveSetting(setting, flag, env) };
}

function platformSettings(flags: BridgeFlags, env: Environment) {
  const none = () => undefined;
  return {
    slack: {
      botToken: layered({ flag: 'slack-bot-token', env: 'SLACK_BOT_TOKEN', schema: secretSchema.optional(), fallback: none }, flags.slackBotToken, env),
      appToken: layered({ flag: 'slack-app-token', env: 'SLACK_APP_TOKEN', schema: secretSchema.optional(), fallback: none }, flags.slackAppToken, env),
      defaultChannel: layered({ flag: 'slack-default-channel', env: 'SLACK_DEFAULT_CHANNEL', schema: z.string().trim(), fallback: () => '' }, flags.slackDefaultChannel, env),
      allowedChannels: layered({ flag: 'slack-allowed-channels', env: 'SLACK_ALLOWED_CHANNELS', schema: listSchema, fallback: () => [] }, flags.slackAllowedChannels, env),
      allowedUsers: layered({ flag: 'slack-allowed-users', env: 'SLACK_ALLOWED_USERS', schema: listSchema, fallback: () => [] }, flags.slackAllowedUsers, env),
      apiUrl: layered(
        { flag: 'slack-api-url', env: 'SLACK_API_URL', schema: httpUrlSchema.transform((u) => u.replace(/\/*$/, '/')), fallback: () => 'https://slack.com/api/' },
        flags.slackApiUrl,
        env,
      ),
    },
    telegram: {
      botToken: layered({ flag: 'telegram-bot-token', env: 'TELEGRAM_BOT_TOKEN', schema: secretSchema.optional(), fallback: none }, flags.telegramBotToken, env),
      parseMode: layered<TelegramParseMode>({ flag: 'telegram-parse-mode', env: 'TELEGRAM_PARSE_MODE', schema: parseModeSchema, fallback: () => '' }, flags.telegramParseMode, env),
      allowedChats: layered({ flag: 'telegram-allowed-chats', env: 'TELEGRAM_ALLOWED_CHATS', schema: chatListSchema, fallback: () => [] }, flags.telegramAllowedChats, env),
      apiRoot: layered(
        { flag: 'telegram-api-root', env: 'TELEGRAM_API_ROOT', schema: httpUrlSchema.transform((u) => u.replace(/\/+$/, '')), fallback: () => 'https://api.telegram.org' },
        flags.telegramApiRoot,
        env,
      ),
    },
  };
}

/** `{key: {base, flag?}}` → the bases, and the flags that were given. */
function split<S extends Record<string, { base: unknown; flag?: unknown }>>(section: S) {
  const base: Record<string, unknown> = {};
  const flagged: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) {
    if (value.base !== undefined) base[key] = value.base;
    if (value.flag !== undefined) flagged[key] = value.flag;
  }
  return { base, flagged };
}

/** The bridge's settings: flag > environment > `.env` > default (the dashboard's settings layer in at run time). */
export function resolveBridgeConfig(flags: BridgeFlags, env: Environment, isTty: boolean): BridgeConfig {
  const host = resolveSetting({ flag: 'host', env: 'MASTER_HOST', schema: hostSchema, fallback: () => '127.0.0.1' }, flags.host, env);
  const port = resolveSetting({ flag: 'port', env: 'MASTER_PORT', schema: portSchema, fallback: () => 8765 }, flags.port, env);
  const masterUrls = resolveMasterUrls(flags.master, env, host, port);
  // The dashboard is on the (first) master's host, over https when the WebSocket port is wss.
  const { protocol, hostname } = new URL(masterUrls[0]);
  const dashboardBase = `${protocol === 'wss:' ? 'https' : 'http'}://${hostname}`;
  const httpPort = resolveSetting({ env: 'MASTER_HTTP_PORT', schema: portSchema, fallback: () => 8080 }, undefined, env);
  const dataDir = resolveSetting({ flag: 'data-dir', env: 'MASTER_DATA_DIR', schema: pathSchema, fallback: defaultDataDir }, flags.dataDir, env);
  const platforms = platformSettings(flags, env);
  const slack = split(platforms.slack);
  const telegram = split(platforms.telegram);
  return {
    masterUrls,
    trust: resolveMasterTrust(flags.ca, env),
    token: resolveSetting({ flag: 'token', env: 'MASTER_BRIDGE_TOKEN', schema: tokenSchema.optional(), fallback: () => undefined }, flags.token, env),
    tokenFile: join(dataDir, SECRET_FILES.bridgeToken),
    name: resolveSetting({ flag: 'name', env: 'BRIDGE_NAME', schema: nameSchema, fallback: () => 'bridge' }, flags.name, env),
    dashboardUrl: resolveSetting(
      { flag: 'dashboard-url', env: 'MASTER_DASHBOARD_URL', schema: httpUrlSchema.transform((u) => u.replace(/\/+$/, '')), fallback: () => `${dashboardBase}:${httpPort}` },
      flags.dashboardUrl,
      env,
    ),
    reconnectMs: resolveSetting({ env: 'BRIDGE_RECONNECT_SEC', schema: positiveSecondsSchema, fallback: () => 5 }, undefined, env) * 1000,
    platforms: { slack: slack.base, telegram: telegram.base } as unknown as ChatPlatformSettings,
    chat: resolveChatSettings(flags, env),
    overrides: { slack: slack.flagged, telegram: telegram.flagged },
    log: resolveLogSettings(flags, env, isTty),
  };
}
