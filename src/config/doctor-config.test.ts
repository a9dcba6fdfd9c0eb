import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { environmentFrom, resolveDoctorConfig, SECRET_FILES } from './index.js';

afterAll(removeTempDirs);

const NODE_TOKEN = 'node-token-0123456789abcdef';

describe('csc doctor configuration', () => {
  it('finds the master where csc node and csc job would', () => {
    const config = resolveDoctorConfig({}, environmentFrom({ MASTER_HOST: '0.0.0.0', MASTER_PORT: '9001', MASTER_HTTP_PORT: '9002', MASTER_DATA_DIR: tempDir() }));
    expect(config.master).toMatchObject({ wsUrl: 'ws://127.0.0.1:9001', httpUrl: 'http://127.0.0.1:9002' });
    expect(config.localMaster).toMatchObject({ host: '0.0.0.0', port: 9001, httpPort: 9002, tls: false });
  });

  it('takes --master as either port and puts the other on the same host', () => {
    const env = environmentFrom({ MASTER_PORT: '9001', MASTER_HTTP_PORT: '9002', MASTER_DATA_DIR: tempDir() });
    expect(resolveDoctorConfig({ master: 'https://m.example:8443/' }, env).master).toMatchObject({ httpUrl: 'https://m.example:8443', wsUrl: 'wss://m.example:9001' });
    expect(resolveDoctorConfig({ master: 'ws://m.example:7000' }, env).master).toMatchObject({ wsUrl: 'ws://m.example:7000', httpUrl: 'http://m.example:9002' });
  });

  it('keeps MASTER_URL for the WebSocket port, and brackets IPv6 hosts', () => {
    const dataDir = tempDir();
    const env = environmentFrom({ MASTER_URL: 'wss://ws.example:9443', MASTER_DATA_DIR: dataDir });
    expect(resolveDoctorConfig({ master: 'https://api.example:8443' }, env).master).toMatchObject({ httpUrl: 'https://api.example:8443', wsUrl: 'wss://ws.example:9443' });
    expect(resolveDoctorConfig({ master: 'http://[::1]:8080' }, environmentFrom({ MASTER_DATA_DIR: dataDir })).master).toMatchObject({ wsUrl: 'ws://[::1]:8765' });
    expect(resolveDoctorConfig({}, environmentFrom({ MASTER_HOST: '::1', MASTER_DATA_DIR: dataDir })).master).toMatchObject({ wsUrl: 'ws://[::1]:8765', httpUrl: 'http://[::1]:8080' });
    // A MASTER_URL that lists several masters: the doctor checks the first, as a node dials it first.
    const several = environmentFrom({ MASTER_URL: 'wss://a.example:9443,wss://b.example:9443', MASTER_DATA_DIR: dataDir });
    expect(resolveDoctorConfig({ master: 'https://api.example:8443' }, several)).toMatchObject({ master: { wsUrl: 'wss://a.example:9443' }, problems: [] });
  });

  it('reports a bad setting as a problem instead of stopping', () => {
    const config = resolveDoctorConfig({ master: 'm.example:8080' }, environmentFrom({ MASTER_DATA_DIR: tempDir() }));
    expect(config.problems.map((p) => p.key)).toEqual(['--master']);
    expect(config.master.httpUrl).toBe('http://127.0.0.1:8080');
    // Read by the master's, the node's and the bridge's settings alike, and said once.
    const port = resolveDoctorConfig({}, environmentFrom({ MASTER_HTTP_PORT: 'lots', MASTER_DATA_DIR: tempDir() }));
    expect(port.problems.map((p) => p.key)).toEqual(['MASTER_HTTP_PORT (environment)']);
    // Only that key falls back: the others keep their values.
    const ws = resolveDoctorConfig({}, environmentFrom({ MASTER_PORT: 'eighty', MASTER_HTTP_PORT: '9002', MASTER_DATA_DIR: tempDir() }));
    expect(ws.master).toMatchObject({ wsUrl: 'ws://127.0.0.1:8765', httpUrl: 'http://127.0.0.1:9002' });
    const hidden = resolveDoctorConfig({}, environmentFrom({ CSC_HIDDEN_ENV: 'not a name', MASTER_DATA_DIR: tempDir() }));
    expect(hidden.problems.map((p) => p.key)).toEqual(['CSC_HIDDEN_ENV']);
  });

  it('checks --token alone, else the configured and stored credentials, naming where each came from', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, SECRET_FILES.adminToken), 'admin-token-0123456789abcdef\n');
    const env = environmentFrom({ MASTER_DATA_DIR: dataDir, MASTER_TOKEN: NODE_TOKEN });
    expect(resolveDoctorConfig({}, env).credentials).toEqual([
      { role: 'node', source: 'MASTER_TOKEN (environment)', token: NODE_TOKEN },
      { role: 'admin', source: join(dataDir, SECRET_FILES.adminToken), token: 'admin-token-0123456789abcdef' },
    ]);
    expect(resolveDoctorConfig({ token: 'given-token-0123456789' }, env).credentials).toEqual([{ role: 'unknown', source: '--token', token: 'given-token-0123456789' }]);
  });

  it("runs Codex as the node would, without the credentials in Codex's environment", () => {
    const env = environmentFrom({ MASTER_DATA_DIR: tempDir(), MASTER_TOKEN: NODE_TOKEN, NODE_CODEX_COMMAND: '/opt/codex', NODE_CODEX_ARGS: '-y @openai/codex@0.153.4 mcp-server' });
    const { codex } = resolveDoctorConfig({}, env);
    expect(codex).toMatchObject({ command: '/opt/codex', args: ['-y', '@openai/codex@0.153.4', 'mcp-server'] });
    expect(Object.values(codex.env)).not.toContain(NODE_TOKEN);
  });

  it('knows the chat platforms and the repository credential from the bridge and node settings', () => {
    const env = environmentFrom({
      MASTER_DATA_DIR: tempDir(),
      TELEGRAM_BOT_TOKEN: '123:telegram-token',
      TELEGRAM_API_ROOT: 'http://127.0.0.1:1/',
      SLACK_BOT_TOKEN: 'xoxb-0123456789',
      GITHUB_TOKEN: 'ghp_0123456789',
      GITHUB_API_URL: 'http://127.0.0.1:2/api/v3/',
    });
    const config = resolveDoctorConfig({ offline: true }, env);
    expect(config).toMatchObject({ offline: true, telegram: { token: '123:telegram-token', apiRoot: 'http://127.0.0.1:1' }, slack: { botToken: 'xoxb-0123456789', appToken: undefined } });
    expect(config.github).toEqual({ token: 'ghp_0123456789', apiUrl: 'http://127.0.0.1:2/api/v3' });
    expect(config.localMaster).toBeUndefined();
  });

  it("knows the master's PostgreSQL store from MASTER_DATABASE_URL, and reports a bad one without its password", () => {
    const url = 'postgres://csc:doctor-pw-123@db.example/csc';
    // A master's host: its ports are checked too.
    expect(resolveDoctorConfig({}, environmentFrom({ MASTER_DATA_DIR: tempDir(), MASTER_DATABASE_URL: url }))).toMatchObject({ databaseUrl: url, problems: [], localMaster: { port: 8765, httpPort: 8080 } });
    const bad = resolveDoctorConfig({}, environmentFrom({ MASTER_DATA_DIR: tempDir(), MASTER_DATABASE_URL: 'mysql://csc:doctor-pw-123@db/csc' }));
    expect(bad.databaseUrl).toBeUndefined();
    expect(bad.problems.map((p) => p.key)).toEqual(['MASTER_DATABASE_URL (environment)']);
    expect(bad.problems[0]?.message).not.toContain('doctor-pw-123');
  });
});
