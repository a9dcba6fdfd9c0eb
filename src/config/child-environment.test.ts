import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { ConfigError, SECRET_FILES, childEnvironment, environmentFrom, hiddenNamePatterns, scrubEnvironment, storedSecretValues } from './index.js';

afterAll(removeTempDirs);
afterEach(() => vi.unstubAllEnvs());

const CREDENTIALS = {
  MASTER_TOKEN: 'node-credential-value-1',
  MASTER_BRIDGE_TOKEN: 'bridge-credential-value-2',
  MASTER_ADMIN_TOKEN: 'admin-credential-value-3',
  MASTER_SOMEDAY_TOKEN: 'future-master-credential-4',
  MASTER_DATABASE_URL: 'postgres://csc:password@db/csc',
  TELEGRAM_BOT_TOKEN: '123:telegram-credential',
  SLACK_BOT_TOKEN: 'xoxb-slack-bot',
  SLACK_APP_TOKEN: 'xapp-slack-app',
  SLACK_USER_TOKEN: 'xoxp-slack-user',
  SLACK_SIGNING_SECRET: 'slack-signing-secret',
  GITHUB_TOKEN: 'ghp_node-github-credential',
};

// What Codex, git and the job need, and settings that only look like ours.
const NEEDED = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/home/dev',
  CODEX_HOME: '/home/dev/.codex',
  OPENAI_API_KEY: 'sk-codex-own-credential',
  HTTPS_PROXY: 'http://proxy:3128',
  http_proxy: 'http://proxy:3128',
  NO_PROXY: 'localhost',
  MASTER_HOST: 'master.example',
  MASTER_PORT: '8765',
  SLACK_DEFAULT_CHANNEL: 'C0123',
  TELEGRAM_API_ROOT: 'https://api.telegram.org',
};

function scrub(source: NodeJS.ProcessEnv, settings: Record<string, string> = {}, values: (string | undefined)[] = []) {
  return scrubEnvironment(source, { names: hiddenNamePatterns(environmentFrom(settings)), values });
}

describe('the environment children inherit', () => {
  it('drops every built-in credential name and keeps what Codex needs', () => {
    expect(scrub({ ...CREDENTIALS, ...NEEDED })).toEqual(NEEDED);
  });

  it('matches names case-insensitively, so a lower-case spelling is dropped too', () => {
    expect(scrub({ master_token: 'x', Slack_Bot_Token: 'y', PATH: '/bin' })).toEqual({ PATH: '/bin' });
  });

  it('drops the names CSC_HIDDEN_ENV lists: exact names, and prefixes with a trailing *', () => {
    const source = { ...NEEDED, ACME_DEPLOY_KEY: 'a', ACME_DEPLOY_KEY_OLD: 'kept: not the exact name', VAULT_ROLE: 'b', VAULT_SECRET_ID: 'c', MYVAULT: 'kept: not the prefix' };
    const kept = scrub(source, { CSC_HIDDEN_ENV: ' ACME_DEPLOY_KEY , VAULT_*,' });
    expect(kept).toEqual({ ...NEEDED, ACME_DEPLOY_KEY_OLD: 'kept: not the exact name', MYVAULT: 'kept: not the prefix' });
  });

  it('keeps the built-in names when CSC_HIDDEN_ENV is set', () => {
    expect(scrub({ ...CREDENTIALS, PATH: '/bin' }, { CSC_HIDDEN_ENV: 'OTHER' })).toEqual({ PATH: '/bin' });
  });

  it('refuses a CSC_HIDDEN_ENV entry that is no name, or that would hide everything', () => {
    for (const bad of ['ACME-KEY', 'A=B', '*', 'OK,**']) {
      expect(() => hiddenNamePatterns(environmentFrom({ CSC_HIDDEN_ENV: bad })), bad).toThrow(ConfigError);
      expect(() => hiddenNamePatterns(environmentFrom({ CSC_HIDDEN_ENV: bad })), bad).toThrow(/CSC_HIDDEN_ENV/);
    }
  });

  it('drops a variable of any name that holds one of the given token values', () => {
    const token = 'c2VjcmV0LW5vZGUtdG9rZW4tdmFsdWU';
    const source = { PATH: '/bin', DEPLOY_NOTES: token, PADDED: `  ${token}\n`, MASTER_URL: `wss://m.example:8765/?token=${token}`, OTHER: 'unrelated' };
    expect(scrub(source, {}, [token, undefined, ''])).toEqual({ PATH: '/bin', OTHER: 'unrelated' });
  });

  it('matches a short token value only as a whole value, so it cannot take PATH with it', () => {
    expect(scrub({ PATH: '/usr/bin:/bin', COPY: 'bin' }, {}, ['bin'])).toEqual({ PATH: '/usr/bin:/bin' });
  });

  it('childEnvironment applies the built-in names and CSC_HIDDEN_ENV even when a caller gives no values', () => {
    vi.stubEnv('MASTER_TOKEN', 'from-the-process-environment');
    vi.stubEnv('ACME_DEPLOY_KEY', 'acme');
    vi.stubEnv('CSC_CHILD_ENV_MARKER', 'kept');
    const env = childEnvironment(undefined, environmentFrom({ CSC_HIDDEN_ENV: 'ACME_*' }));
    expect(env).not.toHaveProperty('MASTER_TOKEN');
    expect(env).not.toHaveProperty('ACME_DEPLOY_KEY');
    expect(env).toMatchObject({ CSC_CHILD_ENV_MARKER: 'kept' });
  });

  it('childEnvironment drops the values it is given', () => {
    vi.stubEnv('CSC_CHILD_ENV_COPY', 'a-token-given-on-the-command-line');
    expect(childEnvironment({ values: ['a-token-given-on-the-command-line'] }, environmentFrom({}))).not.toHaveProperty('CSC_CHILD_ENV_COPY');
  });
});

describe('storedSecretValues', () => {
  it('reads the master token files that exist, trimmed', () => {
    const dir = tempDir();
    writeFileSync(join(dir, SECRET_FILES.nodeToken), 'node-token-from-the-file\n');
    writeFileSync(join(dir, SECRET_FILES.adminToken), 'admin-token-from-the-file\n');
    expect(storedSecretValues(dir).sort()).toEqual(['admin-token-from-the-file', 'node-token-from-the-file']);
  });

  it('is empty for a data dir without them (a node on another machine)', () => {
    expect(storedSecretValues(join(tempDir(), 'missing'))).toEqual([]);
  });
});
