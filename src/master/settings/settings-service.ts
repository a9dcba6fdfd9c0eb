import { isDeepStrictEqual } from 'node:util';
import type { Logger } from '../../log/index.js';
import { SOLO_CONFIG, type ConfigChanges } from '../fleet/config-changes.js';
import { OneAtATime } from '../fleet/one-at-a-time.js';
import { Listeners } from '../listeners.js';
import type { TelegramParseMode } from '../../protocol/index.js';
import { settled, type BridgeSettings, type SavedBridgeSettings, type Store } from '../store/index.js';

/** A token in a change: a string sets it, `null` clears it, absent keeps it. */
type TokenChange = string | null;

/** An allow-list in a change: a list replaces the bridge's own (empty: nobody), `null` inherits it, absent keeps the saved one. */
type AllowListChange = string[] | null;

/** A change to the bridge settings: fields given replace the saved ones, absent ones stay. */
export interface BridgeSettingsPatch {
  slack?: { botToken?: TokenChange; appToken?: TokenChange; defaultChannel?: string; allowedChannels?: AllowListChange; allowedUsers?: AllowListChange };
  telegram?: { botToken?: TokenChange; parseMode?: TelegramParseMode; allowedChats?: AllowListChange };
  memo?: string;
}

/** The bridge settings in force, and when they were saved (`null`: never, these are the defaults). */
export interface CurrentBridgeSettings {
  settings: BridgeSettings;
  savedAt: string | null;
}

/** Bridge settings as the API shows them: whether each token is set, never its value. */
export interface BridgeSettingsView {
  slack: Omit<BridgeSettings['slack'], 'botToken' | 'appToken'> & { botToken: { set: boolean }; appToken: { set: boolean } };
  telegram: Omit<BridgeSettings['telegram'], 'botToken'> & { botToken: { set: boolean } };
  memo: string;
  savedAt: string | null;
}

/** What the bridges run with before anyone saved: no platform enabled, every allow-list the bridge's own. */
const DEFAULT_BRIDGE_SETTINGS: BridgeSettings = {
  slack: { defaultChannel: '', allowedChannels: null, allowedUsers: null },
  telegram: { parseMode: '', allowedChats: null },
  memo: '',
};

const NEVER_SAVED: CurrentBridgeSettings = { settings: DEFAULT_BRIDGE_SETTINGS, savedAt: null };

/**
 * The bridge settings people change from the dashboard: saved in the store, kept in memory, and
 * pushed to subscribers (running bridges, dashboards) as soon as a save is durable. Read at start,
 * and again whenever another master sharing the store saved them (`config`): its subscribers hear
 * of that save too. Saves and reads run one at a time, each save over the settings as stored, so
 * two at once both count, and a read never undoes a save under way.
 */
export class SettingsService {
  private readonly listeners: Listeners<CurrentBridgeSettings>;
  /** Saves and reads, one at a time: each save starts from what the one before made. */
  private readonly queue = new OneAtATime();
  private current: CurrentBridgeSettings = NEVER_SAVED;

  private constructor(
    private readonly store: Pick<Store, 'settings' | 'commit'>,
    private readonly log: Logger,
    private readonly config: ConfigChanges,
  ) {
    this.listeners = new Listeners((error) => log.error({ err: error }, 'settings listener failed'));
    config.onChanged('settings', () => this.queue.run(() => this.reload()));
  }

  /** Reads the saved settings (the defaults before the first save) and keeps them, hearing from now on of the other masters' saves. */
  static async open(store: Pick<Store, 'settings' | 'commit'>, log: Logger, config: ConfigChanges = SOLO_CONFIG): Promise<SettingsService> {
    const service = new SettingsService(store, log, config);
    await service.queue.run(async () => {
      service.current = await service.stored();
    });
    return service;
  }

  /** The settings in force, tokens included: for the bridges, never for an API answer. */
  get(): CurrentBridgeSettings {
    return this.current;
  }

  /** Applies a change and stores it; resolves once it is durable, when the subscribers have been told. */
  save(patch: BridgeSettingsPatch): Promise<CurrentBridgeSettings> {
    return this.queue.run(() => this.write(patch));
  }

  /** Calls `listener` after every save, this master's or another's; the function returned unsubscribes. */
  subscribe(listener: (current: CurrentBridgeSettings) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  private async stored(): Promise<CurrentBridgeSettings> {
    const saved = await this.store.settings.bridges();
    return saved ? { settings: withDefaults(saved.settings), savedAt: saved.savedAt } : NEVER_SAVED;
  }

  /** Another master saved (or a signal may have been missed): what is stored is in force, and told. */
  private async reload(): Promise<void> {
    const stored = await this.stored();
    if (isDeepStrictEqual(stored, this.current)) return;
    this.current = stored;
    this.log.info({ savedAt: stored.savedAt }, 'bridge settings saved on another master');
    this.listeners.emit(stored);
  }

  private async write(patch: BridgeSettingsPatch): Promise<CurrentBridgeSettings> {
    // Over the settings as stored: another master's save this one has not heard of yet still counts.
    const base = await this.stored();
    const saved: SavedBridgeSettings = { settings: applyPatch(base.settings, patch), savedAt: new Date().toISOString() };
    this.store.settings.saveBridges(saved);
    this.config.changed('settings');
    // Bridges act on it at once, and dashboards show it: it must survive a crash first.
    await settled(this.store.commit());
    this.current = saved;
    this.log.info({ changed: changedFields(patch) }, 'bridge settings saved');
    this.listeners.emit(saved);
    return saved;
  }
}

/** The API's view of the settings: tokens become `{set}`. */
export function maskSettings({ settings, savedAt }: CurrentBridgeSettings): BridgeSettingsView {
  const { botToken: slackBot, appToken: slackApp, ...slack } = settings.slack;
  const { botToken: telegramBot, ...telegram } = settings.telegram;
  return {
    slack: { botToken: { set: slackBot !== undefined }, appToken: { set: slackApp !== undefined }, ...slack },
    telegram: { botToken: { set: telegramBot !== undefined }, ...telegram },
    memo: settings.memo,
    savedAt,
  };
}

/** Stored settings over the defaults, so a field added by a later release has a value. */
function withDefaults(stored: Partial<BridgeSettings>): BridgeSettings {
  return {
    slack: { ...DEFAULT_BRIDGE_SETTINGS.slack, ...stored.slack },
    telegram: { ...DEFAULT_BRIDGE_SETTINGS.telegram, ...stored.telegram },
    memo: stored.memo ?? DEFAULT_BRIDGE_SETTINGS.memo,
  };
}

function applyPatch(current: BridgeSettings, patch: BridgeSettingsPatch): BridgeSettings {
  return { slack: merge(current.slack, patch.slack), telegram: merge(current.telegram, patch.telegram), memo: patch.memo ?? current.memo };
}

/** The fields a `null` removes (a cleared token); an allow-list keeps `null`, which means "inherit". */
const CLEARED_BY_NULL: ReadonlySet<string> = new Set(['botToken', 'appToken']);

/** A section with the fields of `change` applied. */
function merge<T extends object>(section: T, change: object | undefined): T {
  const next: Record<string, unknown> = { ...(section as Record<string, unknown>) };
  for (const [key, value] of Object.entries(change ?? {})) {
    if (value === null && CLEARED_BY_NULL.has(key)) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next as T;
}

/** Names of the fields a change touches, for the log (values stay out: some are tokens). */
function changedFields(patch: BridgeSettingsPatch): string[] {
  return Object.entries(patch).flatMap(([section, value]) =>
    typeof value === 'object' && value !== null ? Object.keys(value as object).map((key) => `${section}.${key}`) : [section],
  );
}
