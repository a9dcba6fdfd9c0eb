/** How the Telegram bridge formats replies (`parse_mode`); empty: plain text. */
export type TelegramParseMode = '' | 'MarkdownV2' | 'HTML' | 'Markdown';

/**
 * What the chat bridges run with, as people set it in the dashboard. Tokens are secrets: the API
 * only ever says whether one is set, and nothing logs them.
 */
export interface BridgeSettings {
  slack: {
    botToken?: string;
    appToken?: string;
    /** Channel for responses that name none. */
    defaultChannel: string;
    allowedChannels: string[];
    allowedUsers: string[];
  };
  telegram: {
    botToken?: string;
    parseMode: TelegramParseMode;
    /** Chat ids (integers, as strings) or `*`. */
    allowedChats: string[];
  };
  /** A note from whoever saved, shown with the save time. */
  memo: string;
}

/** Bridge settings as last saved. */
export interface SavedBridgeSettings {
  settings: BridgeSettings;
  savedAt: string;
}

/**
 * Settings changed at run time, kept in the store. Writes join the current turn's transaction:
 * call the store's `commit()` before telling anyone about them.
 */
export interface SettingsStore {
  /** The bridge settings last saved, or undefined before the first save. */
  bridges(): SavedBridgeSettings | undefined;
  saveBridges(saved: SavedBridgeSettings): void;
}
