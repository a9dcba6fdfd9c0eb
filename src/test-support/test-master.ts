import type { MasterConfig } from '../config/index.js';
import { silentLogger, type Logger } from '../log/index.js';
import { startMaster, type Master } from '../master/index.js';
import { tempDir } from './temp-dir.js';

export interface TestMaster extends Master {
  config: MasterConfig;
  wsUrl: string;
  httpUrl: string;
  /** `fetch` against the HTTP API with the admin token. */
  api(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * A real master on ephemeral loopback ports with a fresh data dir (unless one is given), its store
 * SQLite in that data dir, or the PostgreSQL database of `overrides.databaseUrl` (a fresh one from
 * `testDatabaseUrl()`; `describeOnEngines` runs a file's tests on both).
 */
export async function startTestMaster(
  overrides: Partial<MasterConfig> = {},
  options: { log?: Logger; dashboardDir?: string } = {},
): Promise<TestMaster> {
  const config: MasterConfig = {
    host: '127.0.0.1',
    port: 0,
    httpHost: '127.0.0.1',
    httpPort: 0,
    dataDir: tempDir(),
    token: undefined,
    bridgeToken: undefined,
    adminToken: undefined,
    pingIntervalSec: 15,
    maxMissedPings: 3,
    maxPayloadBytes: 1024 * 1024,
    maxSendBufferBytes: 16 * 1024 * 1024,
    jobs: { maxAttempts: 3, defaultTimeoutSec: 3600, requeueGraceSec: 30, cancelWaitSec: 5, allowLocalRepos: false },
    remoteDefaultTags: [],
    log: { level: 'silent', format: 'json' },
    ...overrides,
  };
  const master = await startMaster(config, options.log ?? silentLogger(), { dashboardDir: options.dashboardDir ?? tempDir('csc-no-dashboard-') });
  const httpUrl = `http://127.0.0.1:${master.http.port}`;
  return Object.assign(master, {
    config,
    wsUrl: `ws://127.0.0.1:${master.ws.port}`,
    httpUrl,
    api: (path: string, init: RequestInit = {}) =>
      fetch(`${httpUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${master.adminToken.value}`, 'content-type': 'application/json', ...init.headers },
      }),
  });
}
