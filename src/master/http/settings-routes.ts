import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { TelegramParseModeSchema } from '../../protocol/index.js';
import { maskSettings, type BridgeSettingsPatch, type SettingsService } from '../settings/index.js';
import { route } from './route.js';

const MAX_LIST = 100;

/** A secret of a known shape. Messages never repeat the value: it is a token. */
function token(pattern: RegExp, what: string) {
  return z
    .string()
    .trim()
    .max(512, `must be at most 512 characters (${what})`)
    .regex(pattern, `must be ${what}; send null to clear it`)
    .nullable()
    .optional();
}

/**
 * An allow-list of ids from a chat platform (duplicates dropped): it replaces the bridge's own,
 * an empty one admitting nobody; `null` leaves the bridge's own (environment or flag) in force.
 */
function allowList(entry: z.ZodString) {
  return z
    .array(entry)
    .max(MAX_LIST, `at most ${MAX_LIST} entries`)
    .transform((ids) => [...new Set(ids)])
    .nullable()
    .optional();
}

const CHANNEL = '[CDG][A-Z0-9]{2,31}|#[a-z0-9_-]{1,80}';
const channelMessage = 'must be a Slack channel id (C…, D…, G…) or #channel-name';

const SettingsPatchBody = z.strictObject({
  slack: z
    .strictObject({
      botToken: token(/^xoxb-[A-Za-z0-9-]+$/, 'a Slack bot token (xoxb-…)'),
      appToken: token(/^xapp-[A-Za-z0-9-]+$/, 'a Slack app-level token (xapp-…)'),
      defaultChannel: z.string().trim().regex(new RegExp(`^(?:${CHANNEL})?$`), `${channelMessage}, or empty`).optional(),
      allowedChannels: allowList(z.string().trim().regex(new RegExp(`^(?:\\*|${CHANNEL})$`), `${channelMessage}, or *`)),
      allowedUsers: allowList(z.string().trim().regex(/^(?:\*|[UW][A-Z0-9]{2,31})$/, 'must be a Slack user id (U…, W…) or *')),
    })
    .optional(),
  telegram: z
    .strictObject({
      botToken: token(/^\d{1,20}:[A-Za-z0-9_-]{20,}$/, 'a Telegram bot token (123456789:ABC…, from @BotFather)'),
      parseMode: TelegramParseModeSchema.optional(),
      allowedChats: allowList(z.string().trim().regex(/^(?:\*|-?\d{1,20})$/, 'must be a chat id (an integer, e.g. -1001234567890) or *')),
    })
    .optional(),
  memo: z.string().max(1000, 'must be at most 1000 characters').optional(),
}) satisfies z.ZodType<BridgeSettingsPatch>;

/** `GET|PUT /api/config`: the bridge settings; tokens are write-only. */
export function registerSettingsRoutes(app: FastifyInstance, settings: SettingsService): void {
  route(app, { method: 'GET', url: '/api/config', handler: () => maskSettings(settings.get()) });

  route(app, { method: 'PUT', url: '/api/config', body: SettingsPatchBody, handler: async ({ body }) => maskSettings(await settings.save(body)) });
}
