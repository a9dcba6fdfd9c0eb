import { describe, expect, it } from 'vitest';
import { formatBanner } from './banner.js';

const master = {
  ws: { host: '0.0.0.0', port: 8765 },
  http: { host: '0.0.0.0', port: 8080 },
  nodeToken: { value: 'node-secret-0123456789', origin: 'generated' as const, path: '/data/master-token' },
  bridgeToken: { value: 'bridge-secret-0123456789', origin: 'generated' as const, path: '/data/bridge-token' },
  adminToken: { value: 'admin-secret-0123456789', origin: 'file' as const, path: '/data/admin-token' },
};

describe('formatBanner', () => {
  it('prints a one-click login link on a terminal', () => {
    const banner = formatBanner(master, '/data', true);
    expect(banner).toContain('Dashboard:  http://127.0.0.1:8080/#token=admin-secret-0123456789');
    expect(banner).toContain('npx csc node --host 127.0.0.1 --port 8765 --data-dir /data');
    expect(banner).not.toContain('node-secret');
    expect(banner).not.toContain('bridge-secret');
  });

  it('points at the token files instead of printing secrets when stdout is not a terminal', () => {
    const banner = formatBanner(master, '/data', false);
    expect(banner).not.toContain('admin-secret');
    expect(banner).not.toContain('node-secret');
    expect(banner).toContain('admin token: stored in /data/admin-token');
    expect(banner).toContain('node token: generated and stored in /data/master-token');
    expect(banner).toContain('bridge token: generated and stored in /data/bridge-token');
  });

  it('says which store the master uses', () => {
    const identity = { engine: 'SQLite', location: '/data/master.db', schemaVersion: 10, migratedFrom: 10, applied: [] };
    expect(formatBanner({ ...master, store: { identity } }, '/data', false)).toContain('  Store:      SQLite /data/master.db (schema 10)\n');
    expect(formatBanner(master, '/data', false)).not.toContain('Store:');
  });
});
