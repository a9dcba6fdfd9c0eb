import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentFrom, resolveDoctorConfig, type DoctorConfig } from '../config/index.js';
import { GitHubStandIn } from '../test-support/github-stand-in.js';
import { SlackStandIn } from '../test-support/slack-stand-in.js';
import { TelegramStandIn } from '../test-support/telegram-stand-in.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { checkGitHub, checkSlack, checkTelegram } from './online-checks.js';

const GITHUB_TOKEN = 'ghp_stand-in-token-0123456789';
let telegram: TelegramStandIn;
let slack: SlackStandIn;
let github: GitHubStandIn;

beforeAll(async () => {
  [telegram, slack, github] = await Promise.all([TelegramStandIn.start(), SlackStandIn.start(), GitHubStandIn.start(GITHUB_TOKEN, {})]);
});

afterAll(async () => {
  await Promise.all([telegram.close(), slack.close(), github.close()]);
  removeTempDirs();
});

function config(values: Record<string, string>, offline = false): DoctorConfig {
  return resolveDoctorConfig({ offline }, environmentFrom({ MASTER_DATA_DIR: tempDir(), ...values }));
}

describe('the online checks against the platforms (stand-ins on 127.0.0.1)', () => {
  it("Telegram: getMe with the bot token names the bot, a wrong token fails, and none is skipped", async () => {
    const good = await checkTelegram(config({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot }));
    expect(good).toMatchObject({ id: 'telegram', status: 'ok', summary: 'Telegram accepts TELEGRAM_BOT_TOKEN: bot @csc_test_bot' });
    const bad = await checkTelegram(config({ TELEGRAM_BOT_TOKEN: '999:wrong-token-of-a-bot', TELEGRAM_API_ROOT: telegram.apiRoot }));
    expect(bad).toMatchObject({ id: 'telegram', status: 'fail' });
    expect(JSON.stringify(bad)).not.toContain('wrong-token');
    expect((await checkTelegram(config({}))).status).toBe('skip');
    expect(await checkTelegram(config({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.apiRoot }, true))).toMatchObject({ status: 'skip', summary: expect.stringContaining('--offline') as unknown });
  });

  it('Telegram: an API root where nothing listens is a warning about the network, not a refusal', async () => {
    const check = await checkTelegram(config({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: 'http://127.0.0.1:9' }));
    expect(check).toMatchObject({ id: 'telegram', status: 'warn' });
    expect(JSON.stringify(check)).not.toContain(telegram.token);
  });

  it('Slack: auth.test with the bot token and apps.connections.open with the app token', async () => {
    const env = { SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: slack.botToken, SLACK_APP_TOKEN: slack.appToken };
    expect(await checkSlack(config(env))).toMatchObject({ id: 'slack', status: 'ok', summary: 'Slack accepts both tokens: bot csc in Test, Socket Mode can connect' });
    const badBot = await checkSlack(config({ ...env, SLACK_BOT_TOKEN: 'xoxb-wrong-0000' }));
    expect(badBot).toMatchObject({ status: 'fail', summary: 'Slack refused SLACK_BOT_TOKEN (auth.test: invalid_auth)' });
    const badApp = await checkSlack(config({ ...env, SLACK_APP_TOKEN: 'xapp-wrong-0000' }));
    expect(badApp).toMatchObject({ status: 'fail', summary: 'Slack refused SLACK_APP_TOKEN (apps.connections.open: invalid_auth)' });
    expect(await checkSlack(config({ SLACK_API_URL: slack.apiUrl, SLACK_BOT_TOKEN: slack.botToken }))).toMatchObject({ status: 'fail', summary: expect.stringContaining('SLACK_APP_TOKEN is not set') as unknown });
    expect((await checkSlack(config({}))).status).toBe('skip');
  });

  it('GitHub: GET /user with GITHUB_TOKEN, a refused token, and no token at all', async () => {
    expect(await checkGitHub(config({ GITHUB_TOKEN, GITHUB_API_URL: github.apiUrl }))).toMatchObject({ id: 'git.credential', status: 'ok', summary: `GITHUB_TOKEN is accepted by ${github.apiUrl} (as csc-stand-in)` });
    expect(await checkGitHub(config({ GITHUB_TOKEN: 'ghp_wrong', GITHUB_API_URL: github.apiUrl }))).toMatchObject({ id: 'git.credential', status: 'fail' });
    expect(await checkGitHub(config({}))).toMatchObject({ id: 'git.credential', status: 'warn' });
    expect(await checkGitHub(config({ GITHUB_TOKEN, GITHUB_API_URL: github.apiUrl }, true))).toMatchObject({ status: 'skip' });
    expect(await checkGitHub(config({ GITHUB_TOKEN, GITHUB_API_URL: 'http://127.0.0.1:9' }))).toMatchObject({ status: 'skip', summary: expect.stringContaining('cannot reach http://127.0.0.1:9') as unknown });
  });
});
