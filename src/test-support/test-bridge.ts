import type { BridgeConfig, ChatPlatformSettings } from '../config/index.js';
import type { TestMaster } from './test-master.js';

const NO_PLATFORMS: ChatPlatformSettings = {
  slack: { defaultChannel: '', allowedChannels: [], allowedUsers: [], apiUrl: 'http://127.0.0.1:9/api/' },
  telegram: { parseMode: '', allowedChats: [], apiRoot: 'http://127.0.0.1:9' },
};

/** A bridge config for `master`, with quick reconnects and the platform settings given (others off). */
export function testBridgeConfig(master: TestMaster, platforms: { slack?: ChatPlatformSettings['slack']; telegram?: ChatPlatformSettings['telegram'] }): BridgeConfig {
  return {
    masterUrls: [master.wsUrl],
    token: master.bridgeToken.value,
    tokenFile: '/nonexistent',
    name: 'bridge',
    dashboardUrl: 'http://dash.test',
    reconnectMs: 200,
    platforms: { ...NO_PLATFORMS, ...platforms },
    overrides: { slack: {}, telegram: {} },
    log: { level: 'silent', format: 'json' },
  };
}
