import type { DoctorConfig } from '../config/index.js';
import { fail, ok, skip, warn, type CheckResult } from './check.js';
import { describeNetworkError, httpRequestText, parseJson } from './probe.js';

/** GitHub, Telegram and Slack reject a bad token at once; a slow answer is the network's. */
const ONLINE_TIMEOUT_MS = 8_000;

function unreachable(id: string, what: string, error: unknown, url: string): CheckResult {
  return warn(id, `cannot reach ${what}: ${describeNetworkError(error, url)}`, 'check this host\'s network and proxy, or run with --offline to skip the online checks');
}

/** The node's repository credential: GITHUB_TOKEN set or not, and (online) whether GitHub takes it (`GET /user`). */
export async function checkGitHub(config: DoctorConfig): Promise<CheckResult> {
  const { token, apiUrl } = config.github;
  if (token === undefined) {
    return warn('git.credential', 'GITHUB_TOKEN is not set: jobs run and commit, but a node cannot push branches or open pull requests', 'set GITHUB_TOKEN (and GITHUB_API_URL for GitHub Enterprise) in the environment of csc node');
  }
  if (config.offline) return skip('git.credential', 'GITHUB_TOKEN is set; not tried against GitHub (--offline)');
  const url = `${apiUrl}/user`;
  try {
    const answer = await httpRequestText(url, { headers: { authorization: `Bearer ${token}`, 'user-agent': 'csc-doctor', accept: 'application/vnd.github+json' }, timeoutMs: ONLINE_TIMEOUT_MS });
    const login = (parseJson(answer.body) as { login?: unknown } | undefined)?.login;
    if (answer.status === 200) return ok('git.credential', `GITHUB_TOKEN is accepted by ${apiUrl}${typeof login === 'string' ? ` (as ${login})` : ''}`);
    if (answer.status === 401) return fail('git.credential', `${apiUrl} refused GITHUB_TOKEN (HTTP 401: bad credentials)`, 'make a new token with the repository access the node needs (contents and pull requests: write) and set GITHUB_TOKEN to it');
    return warn('git.credential', `${apiUrl}/user answered HTTP ${answer.status} to GITHUB_TOKEN`, 'a fine-grained token may lack the read of the user; check that it can push to the repositories jobs use');
  } catch (error) {
    // Jobs run without GitHub; only publishing needs it, and this host may be offline on purpose.
    return skip('git.credential', `GITHUB_TOKEN is set; not tried: cannot reach ${apiUrl} (${describeNetworkError(error, url)})`);
  }
}

/** Telegram's `getMe` with TELEGRAM_BOT_TOKEN, at TELEGRAM_API_ROOT (the stand-in's in tests). */
export async function checkTelegram(config: DoctorConfig): Promise<CheckResult> {
  const telegram = config.telegram;
  if (telegram === undefined) return skip('telegram', 'not configured (TELEGRAM_BOT_TOKEN is not set)');
  if (config.offline) return skip('telegram', 'TELEGRAM_BOT_TOKEN is set; not tried (--offline)');
  const url = `${telegram.apiRoot}/bot${telegram.token}/getMe`;
  try {
    const answer = await httpRequestText(url, { timeoutMs: ONLINE_TIMEOUT_MS });
    const body = parseJson(answer.body) as { ok?: boolean; result?: { username?: string }; description?: string } | undefined;
    if (body?.ok === true) return ok('telegram', `Telegram accepts TELEGRAM_BOT_TOKEN: bot @${body.result?.username ?? '?'}`);
    const why = `${answer.status}${body?.description === undefined ? '' : ` ${body.description}`}`;
    return fail('telegram', `Telegram refused TELEGRAM_BOT_TOKEN (getMe: ${why})`, 'copy the bot token from @BotFather again (/token) into TELEGRAM_BOT_TOKEN');
  } catch (error) {
    // The URL holds the token: name only the API root.
    return unreachable('telegram', telegram.apiRoot, error, telegram.apiRoot);
  }
}

async function slackCall(apiUrl: string, method: string, token: string): Promise<{ ok?: boolean; error?: string; team?: string; user?: string } | undefined> {
  const answer = await httpRequestText(`${apiUrl}${method}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: '', timeoutMs: ONLINE_TIMEOUT_MS });
  return parseJson(answer.body) as { ok?: boolean; error?: string } | undefined;
}

/** Slack's `auth.test` with SLACK_BOT_TOKEN, and `apps.connections.open` with SLACK_APP_TOKEN (Socket Mode). */
export async function checkSlack(config: DoctorConfig): Promise<CheckResult> {
  const slack = config.slack;
  if (slack === undefined) return skip('slack', 'not configured (SLACK_BOT_TOKEN and SLACK_APP_TOKEN are not set)');
  if (slack.botToken === undefined || slack.appToken === undefined) {
    return fail('slack', `${slack.botToken === undefined ? 'SLACK_BOT_TOKEN' : 'SLACK_APP_TOKEN'} is not set: the bridge needs both tokens for Socket Mode`, 'set SLACK_BOT_TOKEN (xoxb-…) and SLACK_APP_TOKEN (xapp-…, with connections:write)');
  }
  if (config.offline) return skip('slack', 'SLACK_BOT_TOKEN and SLACK_APP_TOKEN are set; not tried (--offline)');
  try {
    const auth = await slackCall(slack.apiUrl, 'auth.test', slack.botToken);
    if (auth?.ok !== true) return fail('slack', `Slack refused SLACK_BOT_TOKEN (auth.test: ${auth?.error ?? 'no answer'})`, "copy the Bot User OAuth Token (xoxb-…) from the app's OAuth & Permissions page into SLACK_BOT_TOKEN");
    const socket = await slackCall(slack.apiUrl, 'apps.connections.open', slack.appToken);
    if (socket?.ok !== true) return fail('slack', `Slack refused SLACK_APP_TOKEN (apps.connections.open: ${socket?.error ?? 'no answer'})`, 'make an app-level token with connections:write (Basic Information → App-Level Tokens) and turn Socket Mode on');
    return ok('slack', `Slack accepts both tokens: bot ${auth.user ?? '?'} in ${auth.team ?? '?'}, Socket Mode can connect`);
  } catch (error) {
    return unreachable('slack', slack.apiUrl, error, slack.apiUrl);
  }
}
