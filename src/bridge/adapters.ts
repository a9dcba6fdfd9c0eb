import type { AdapterFactory } from './chat-bridge.js';
import { SlackAdapter, type SlackAdapterOptions } from './slack/index.js';
import { TelegramAdapter, type TelegramAdapterOptions } from './telegram/index.js';

/** The real adapters: grammY for Telegram, Bolt in Socket Mode for Slack. */
export function platformAdapters(options: { telegram?: TelegramAdapterOptions; slack?: SlackAdapterOptions } = {}): AdapterFactory {
  return (platform, settings, deps) =>
    platform === 'telegram' ? new TelegramAdapter(() => settings().telegram, deps, options.telegram) : new SlackAdapter(() => settings().slack, deps, options.slack);
}
