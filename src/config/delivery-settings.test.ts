import { describe, expect, it } from 'vitest';
import { environmentFrom, resolveNodeConfig } from './index.js';

const delivery = (values: Record<string, string>) => resolveNodeConfig({}, environmentFrom(values), false).delivery;

describe("a node's delivery settings", () => {
  it('default to the node defaults, a 30-day retention and no GitHub credential', () => {
    expect(delivery({})).toEqual({ authorName: undefined, authorEmail: undefined, diffMaxBytes: undefined, branchRetentionDays: 30, github: { token: undefined, apiUrl: undefined } });
  });

  it('read the author, the diff cap, the retention, GITHUB_TOKEN and GITHUB_API_URL', () => {
    const values = {
      NODE_GIT_AUTHOR_NAME: 'Build Bot',
      NODE_GIT_AUTHOR_EMAIL: 'bot@example.com',
      NODE_DIFF_MAX_BYTES: '1048576',
      NODE_BRANCH_RETENTION_DAYS: '7',
      GITHUB_TOKEN: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      GITHUB_API_URL: 'https://github.example.com/api/v3/',
    };
    expect(delivery(values)).toEqual({
      authorName: 'Build Bot',
      authorEmail: 'bot@example.com',
      diffMaxBytes: 1_048_576,
      branchRetentionDays: 7,
      github: { token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', apiUrl: 'https://github.example.com/api/v3' },
    });
  });

  it.each([
    [{ NODE_GIT_AUTHOR_EMAIL: 'not an address' }, /NODE_GIT_AUTHOR_EMAIL .*must be an e-mail address/],
    [{ NODE_GIT_AUTHOR_NAME: 'Eve <eve@example.com>' }, /NODE_GIT_AUTHOR_NAME .*must not contain </],
    [{ NODE_BRANCH_RETENTION_DAYS: '0' }, /NODE_BRANCH_RETENTION_DAYS .*at least 1/],
    [{ NODE_DIFF_MAX_BYTES: 'lots' }, /NODE_DIFF_MAX_BYTES .*number of bytes/],
    [{ GITHUB_API_URL: 'ftp://example.com' }, /GITHUB_API_URL .*http\(s\) URL/],
  ])('refuse %o, naming the key', (values, message) => {
    expect(() => delivery(values)).toThrow(message);
  });

  it('never repeat a bad GITHUB_TOKEN in the error', () => {
    expect(() => delivery({ GITHUB_TOKEN: 'ghp_has a space' })).toThrow(/GITHUB_TOKEN .*\(got "15 characters"\)/);
  });
});
