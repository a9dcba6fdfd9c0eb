import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { captureLog } from '../../test-support/log-capture.js';
import { removeTempDirs, tempDir } from '../../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';
import { waitFor } from '../../test-support/wait.js';
import type { CurrentBridgeSettings } from '../settings/index.js';
import { migrate, readMigrations } from '../store/migrate.js';

let master: TestMaster;
afterEach(async () => master.close());
afterAll(removeTempDirs);

// Shaped like real tokens, valid nowhere.
const SLACK_BOT = 'xoxb-1234567890-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx';
const SLACK_APP = 'xapp-1-A0123456789-1234567890123-abcdef0123456789abcdef';
const TELEGRAM = '123456789:AAH0abcdefghijklmnopqrstuvwxyz123456';

const DEFAULTS = {
  slack: { botToken: { set: false }, appToken: { set: false }, defaultChannel: '', allowedChannels: null, allowedUsers: null },
  telegram: { botToken: { set: false }, parseMode: '', allowedChats: null },
  memo: '',
  savedAt: null,
};

async function put(body: unknown): Promise<{ status: number; text: string; json: Record<string, unknown> }> {
  const res = await master.api('/api/config', { method: 'PUT', body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as Record<string, unknown> };
}
const getConfig = async () => (await (await master.api('/api/config')).json()) as Record<string, unknown>;
const health = async () => (await (await master.api('/api/health')).json()) as Record<string, unknown>;

describe('GET|PUT /api/config', () => {
  it('starts with nothing set and no save', async () => {
    master = await startTestMaster();
    expect(await getConfig()).toEqual(DEFAULTS);
    expect(await health()).toMatchObject({ lastConfigSave: null });
  });

  it('saves tokens without ever returning them, tells subscribers, and shows the save in /api/health', async () => {
    master = await startTestMaster();
    const told: CurrentBridgeSettings[] = [];
    master.settings.subscribe((current) => told.push(current));
    const saved = await put({
      slack: { botToken: SLACK_BOT, appToken: SLACK_APP, defaultChannel: 'C0123456789', allowedChannels: ['C0123456789', '*'], allowedUsers: ['U0123ABCD'] },
      telegram: { botToken: ` ${TELEGRAM}\n`, parseMode: 'MarkdownV2', allowedChats: ['-1001234567890', '42'] },
      memo: 'tokens for the team workspace',
    });
    expect(saved.status).toBe(200);
    const expected = {
      slack: { botToken: { set: true }, appToken: { set: true }, defaultChannel: 'C0123456789', allowedChannels: ['C0123456789', '*'], allowedUsers: ['U0123ABCD'] },
      telegram: { botToken: { set: true }, parseMode: 'MarkdownV2', allowedChats: ['-1001234567890', '42'] },
      memo: 'tokens for the team workspace',
      savedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    };
    expect(saved.json).toEqual(expected);
    const raw = await (await master.api('/api/config')).text();
    for (const text of [saved.text, raw]) for (const secret of [SLACK_BOT, SLACK_APP, TELEGRAM]) expect(text).not.toContain(secret);
    expect(JSON.parse(raw)).toEqual(saved.json);
    expect(await health()).toMatchObject({ lastConfigSave: { savedAt: saved.json.savedAt, memo: 'tokens for the team workspace' } });
    expect(told).toHaveLength(1);
    expect(told[0]?.settings).toMatchObject({ slack: { botToken: SLACK_BOT, appToken: SLACK_APP }, telegram: { botToken: TELEGRAM } });
    expect(master.settings.get()).toEqual(told[0]);
  });

  it('runs saves one at a time, each over the last, told once durable, when commits answer later', async () => {
    master = await startTestMaster();
    const store = master.store;
    const commit = store.commit.bind(store);
    const commits: Array<() => void> = [];
    store.commit = () => {
      void commit();
      return new Promise<void>((resolve) => commits.push(resolve));
    };
    try {
      const told: string[] = [];
      master.settings.subscribe((current) => told.push(current.settings.memo));
      const first = master.settings.save({ slack: { defaultChannel: '#general' }, memo: 'one' });
      const second = master.settings.save({ memo: 'two' });
      await waitFor(() => commits.length === 1, 'the first save to commit');
      expect(told).toEqual([]);
      expect(master.settings.get().savedAt).toBeNull();
      commits.shift()?.();
      expect((await first).settings.memo).toBe('one');
      expect(told).toEqual(['one']);
      await waitFor(() => commits.length === 1, 'the second save to commit');
      commits.shift()?.();
      expect((await second).settings).toMatchObject({ slack: { defaultChannel: '#general' }, memo: 'two' });
      expect(told).toEqual(['one', 'two']);
    } finally {
      store.commit = commit;
    }
  });

  it('clears a token given as null and keeps every field a partial change leaves out', async () => {
    master = await startTestMaster();
    await put({ slack: { botToken: SLACK_BOT, appToken: SLACK_APP, defaultChannel: '#general' }, telegram: { botToken: TELEGRAM }, memo: 'first' });
    const { json } = await put({ slack: { botToken: null }, memo: 'second' });
    expect(json).toMatchObject({
      slack: { botToken: { set: false }, appToken: { set: true }, defaultChannel: '#general' },
      telegram: { botToken: { set: true } },
      memo: 'second',
    });
    expect(master.settings.get().settings.slack).not.toHaveProperty('botToken');
    expect((await put({})).json).toEqual({ ...json, savedAt: expect.any(String) as unknown });
  });

  it('saves an empty allow-list as "nobody" and null as "the bridge\'s own", keeping each across a restart', async () => {
    master = await startTestMaster();
    const told: CurrentBridgeSettings[] = [];
    master.settings.subscribe((current) => told.push(current));
    const closed = await put({ slack: { allowedChannels: [], allowedUsers: ['U0123ABCD'] }, telegram: { allowedChats: [] } });
    expect(closed.json).toMatchObject({ slack: { allowedChannels: [], allowedUsers: ['U0123ABCD'] }, telegram: { allowedChats: [] } });
    expect(told.at(-1)?.settings).toMatchObject({ slack: { allowedChannels: [], allowedUsers: ['U0123ABCD'] }, telegram: { allowedChats: [] } });

    const inherited = await put({ slack: { allowedUsers: null }, telegram: { allowedChats: null } });
    expect(inherited.json).toMatchObject({ slack: { allowedChannels: [], allowedUsers: null }, telegram: { allowedChats: null } });
    expect(told.at(-1)?.settings).toMatchObject({ slack: { allowedChannels: [], allowedUsers: null }, telegram: { allowedChats: null } });

    await master.close();
    master = await startTestMaster({ dataDir: master.config.dataDir });
    expect(await getConfig()).toEqual(inherited.json);
  });

  it('reads allow-lists saved empty by an earlier release as the bridge\'s own, as they meant then', async () => {
    const dataDir = tempDir();
    const all = readMigrations();
    const db = new Database(join(dataDir, 'master.db'));
    migrate(db, all.slice(0, all.findIndex((m) => m.name === 'allow_lists_inherit')));
    const old = { slack: { defaultChannel: '', allowedChannels: [], allowedUsers: ['U0123ABCD'] }, telegram: { parseMode: '', allowedChats: [] }, memo: 'before' };
    db.prepare('INSERT INTO settings (name, value, saved_at) VALUES (?, ?, ?)').run('bridges', JSON.stringify(old), '2026-01-02T03:04:05.000Z');
    db.close();
    master = await startTestMaster({ dataDir });
    expect(await getConfig()).toMatchObject({ slack: { allowedChannels: null, allowedUsers: ['U0123ABCD'] }, telegram: { allowedChats: null }, memo: 'before' });
  });

  it.each([
    [{ slack: { botToken: 'xoxp-1234-user-token' } }, 'slack.botToken', 'xoxb-'],
    [{ slack: { botToken: '' } }, 'slack.botToken', 'null to clear'],
    [{ slack: { appToken: SLACK_BOT } }, 'slack.appToken', 'xapp-'],
    [{ telegram: { botToken: 'not a token' } }, 'telegram.botToken', 'BotFather'],
    [{ telegram: { parseMode: 'markdown' } }, 'telegram.parseMode', 'MarkdownV2'],
    [{ telegram: { allowedChats: ['42', 'everyone'] } }, 'telegram.allowedChats.1', 'integer'],
    [{ telegram: { allowedChats: '42' } }, 'telegram.allowedChats', 'array'],
    [{ slack: { defaultChannel: 'general' } }, 'slack.defaultChannel', 'channel id'],
    [{ slack: { allowedUsers: Array.from({ length: 101 }, (_, i) => `U${1000 + i}`) } }, 'slack.allowedUsers', 'at most 100'],
    [{ slack: { bot_token: SLACK_BOT } }, 'slack', 'bot_token'],
    [{ memo: 'm'.repeat(1001) }, 'memo', 'at most 1000'],
    [[], '', 'object'],
  ])('refuses %j with a 400 naming %s, without repeating the value', async (body, field, mentions) => {
    master = await startTestMaster();
    const res = await put(body);
    expect(res.status).toBe(400);
    const error = (res.json as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('bad_request');
    expect(error.message).toContain(`${field}${field ? ': ' : ''}`);
    expect(error.message).toContain(mentions);
    expect(res.text).not.toContain(SLACK_BOT);
    expect(await getConfig()).toEqual(DEFAULTS);
  });

  it('keeps the settings across a restart, in a store only its owner can read, and never logs a token', async () => {
    const { log, lines } = captureLog('debug');
    master = await startTestMaster({}, { log });
    const saved = (await put({ slack: { botToken: SLACK_BOT }, telegram: { botToken: TELEGRAM }, memo: 'kept' })).json;
    expect(JSON.stringify(lines)).toContain('bridge settings saved');
    expect(JSON.stringify(lines)).not.toMatch(/xoxb-|AAH0/);
    await master.close();
    master = await startTestMaster({ dataDir: master.config.dataDir });
    expect(await getConfig()).toEqual(saved);
    expect(master.settings.get().settings.slack.botToken).toBe(SLACK_BOT);
    expect(statSync(master.config.dataDir).mode & 0o777).toBe(0o700);
    for (const file of ['master.db', 'master.db-wal']) expect(statSync(join(master.config.dataDir, file)).mode & 0o777).toBe(0o600);
  });
});
