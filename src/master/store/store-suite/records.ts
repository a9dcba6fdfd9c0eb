import { describe, expect, it } from 'vitest';
import type { BridgeSettings } from '../settings-store.js';
import { settled } from '../unit-of-work.js';
import { minute, type SuiteContext } from './fixtures.js';

const BRIDGES: BridgeSettings = {
  slack: { botToken: 'xoxb-1', appToken: 'xapp-1', defaultChannel: '#builds', allowedChannels: ['C1', 'C2'], allowedUsers: null },
  telegram: { parseMode: 'HTML', allowedChats: [] },
  memo: 'set by 관리자 "ops"\nsecond line',
};

export function recordCases({ open }: SuiteContext): void {
  describe('settings', () => {
    it('keeps the bridge settings and the budgets last saved, none before the first save', async () => {
      const store = await open();
      expect(await store.settings.bridges()).toBeUndefined();
      expect(await store.settings.budgets()).toBeUndefined();
      store.settings.saveBridges({ settings: BRIDGES, savedAt: minute(1) });
      store.settings.saveBudgets({ userDaily: 1000, chatDaily: null }, minute(1));
      expect(await store.settings.bridges()).toStrictEqual({ settings: BRIDGES, savedAt: minute(1) });
      expect(await store.settings.budgets()).toStrictEqual({ userDaily: 1000, chatDaily: null });
      const next: BridgeSettings = { ...BRIDGES, telegram: { botToken: 'tg', parseMode: '', allowedChats: null }, memo: '' };
      store.settings.saveBridges({ settings: next, savedAt: minute(2) });
      store.settings.saveBudgets({ masterDaily: 5 }, minute(2));
      await settled(store.commit());
      expect(await store.settings.bridges()).toStrictEqual({ settings: next, savedAt: minute(2) });
      expect(await store.settings.budgets()).toStrictEqual({ masterDaily: 5 });
    });
  });

  describe('remote nodes', () => {
    it('adds, finds by name regardless of case, updates in part and removes records', async () => {
      const store = await open();
      expect(await store.remoteNodes.list()).toEqual([]);
      const alpha = await store.remoteNodes.add({ name: 'Alpha', host: 'alpha.lan:22', tags: ['gpu'], status: 'online' }, minute(0));
      expect(alpha).toEqual({ id: alpha.id, name: 'Alpha', host: 'alpha.lan:22', tags: ['gpu'], status: 'online', createdAt: minute(0), updatedAt: minute(0) });
      const beta = await store.remoteNodes.add({ name: 'beta', host: '10.0.0.2', tags: [], status: 'offline' }, minute(1));
      expect(beta.id).toBeGreaterThan(alpha.id);
      expect(await store.remoteNodes.list()).toEqual([alpha, beta]);
      expect(await store.remoteNodes.findByName('alpha')).toEqual(alpha);
      expect(await store.remoteNodes.findByName('ALPHA')).toEqual(alpha);
      expect(await store.remoteNodes.findByName('gamma')).toBeUndefined();
      const moved = await store.remoteNodes.update(alpha.id, { host: 'alpha2.lan', tags: [] }, minute(2));
      expect(moved).toEqual({ ...alpha, host: 'alpha2.lan', tags: [], updatedAt: minute(2) });
      const renamed = await store.remoteNodes.update(alpha.id, { name: 'Alpha-1', status: 'maintenance' }, minute(3));
      expect(renamed).toEqual({ ...alpha, name: 'Alpha-1', host: 'alpha2.lan', tags: [], status: 'maintenance', updatedAt: minute(3) });
      expect(await store.remoteNodes.update(alpha.id + 1000, { host: 'x' }, minute(3))).toBeUndefined();
      expect(await store.remoteNodes.findByName('alpha-1')).toEqual(renamed);
      expect(await store.remoteNodes.remove(alpha.id)).toBe(true);
      expect(await store.remoteNodes.remove(alpha.id)).toBe(false);
      await settled(store.commit());
      expect(await store.remoteNodes.list()).toEqual([beta]);
    });

    it("refuses a name that differs from another only in case, and the unit of work's other writes still commit", async () => {
      const store = await open();
      const alpha = await store.remoteNodes.add({ name: 'Alpha', host: 'h', tags: [], status: 'online' }, minute(0));
      const beta = await store.remoteNodes.add({ name: 'beta', host: 'h', tags: [], status: 'online' }, minute(0));
      await settled(store.commit());
      store.settings.saveBudgets({ userDaily: 7 }, minute(1));
      await expect(store.remoteNodes.add({ name: 'ALPHA', host: 'h2', tags: [], status: 'online' }, minute(1))).rejects.toThrow();
      await expect(store.remoteNodes.update(beta.id, { name: 'alpha' }, minute(1))).rejects.toThrow();
      store.profiles.put({ name: 'after', model: 'm' }, minute(1));
      await settled(store.commit());
      expect(await store.remoteNodes.list()).toEqual([alpha, beta]);
      expect(await store.settings.budgets()).toEqual({ userDaily: 7 });
      expect(await store.profiles.list()).toEqual([{ name: 'after', model: 'm' }]);
    });
  });

  describe('credentials', () => {
    it('lists credentials oldest first, marks one used and removes one', async () => {
      const store = await open();
      expect(await store.credentials.list()).toEqual([]);
      expect(await store.credentials.add({ name: 'node-b', role: 'node', tokenHash: 'b'.repeat(64), createdAt: minute(2) })).toBe(true);
      expect(await store.credentials.add({ name: 'Bridge-A', role: 'bridge', tokenHash: 'a'.repeat(64), createdAt: minute(1) })).toBe(true);
      // A name taken in another case, or a token taken, stores nothing and says so (the turn goes on).
      expect(await store.credentials.add({ name: 'NODE-B', role: 'bridge', tokenHash: 'd'.repeat(64), createdAt: minute(3) })).toBe(false);
      expect(await store.credentials.add({ name: 'node-c', role: 'node', tokenHash: 'a'.repeat(64), createdAt: minute(3) })).toBe(false);
      expect(await store.credentials.list()).toEqual([
        { name: 'Bridge-A', role: 'bridge', tokenHash: 'a'.repeat(64), createdAt: minute(1), lastUsedAt: undefined },
        { name: 'node-b', role: 'node', tokenHash: 'b'.repeat(64), createdAt: minute(2), lastUsedAt: undefined },
      ]);
      store.credentials.markUsed('node-b', minute(5));
      expect((await store.credentials.list())[1]).toEqual({ name: 'node-b', role: 'node', tokenHash: 'b'.repeat(64), createdAt: minute(2), lastUsedAt: minute(5) });
      expect(await store.credentials.remove('nobody')).toBe(false);
      expect(await store.credentials.remove('Bridge-A')).toBe(true);
      await settled(store.commit());
      expect((await store.credentials.list()).map((c) => c.name)).toEqual(['node-b']);
    });
  });

  describe('profiles', () => {
    it('keeps profiles by name: put creates or replaces, delete says whether there was one', async () => {
      const store = await open();
      expect(await store.profiles.list()).toEqual([]);
      store.profiles.put({ name: 'fast', model: 'gpt-5-mini', reasoningEffort: 'low', tags: ['gpu'], source: 'api' }, minute(0));
      store.profiles.put({ name: 'careful', description: '꼼꼼하게 "slow"', sandbox: 'read-only', approvalTimeoutSec: 60 }, minute(0));
      expect(await store.profiles.list()).toStrictEqual([
        { name: 'careful', description: '꼼꼼하게 "slow"', sandbox: 'read-only', approvalTimeoutSec: 60 },
        { name: 'fast', model: 'gpt-5-mini', reasoningEffort: 'low', tags: ['gpu'], source: 'api' },
      ]);
      store.profiles.put({ name: 'fast', repo: 'o/r' }, minute(1));
      expect((await store.profiles.list())[1]).toStrictEqual({ name: 'fast', repo: 'o/r' });
      expect(await store.profiles.delete('fast')).toBe(true);
      expect(await store.profiles.delete('fast')).toBe(false);
      await settled(store.commit());
      expect((await store.profiles.list()).map((p) => p.name)).toEqual(['careful']);
    });
  });
}
