import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { childEnvironment, loadEnvironment, resolveOrchestratorConfig } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { assistantMessage, execCommandCall, ResponsesStandIn, writeCodexHome, type CodexHome } from '../test-support/responses-stand-in.js';
import { TelegramStandIn } from '../test-support/telegram-stand-in.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait.js';
import { TelegramRunner } from './index.js';

const USER = 7373;
const SECRETS = {
  MASTER_TOKEN: 'node-credential-in-the-runner-env-1a2b',
  SLACK_BOT_TOKEN: 'xoxb-slack-credential-in-the-runner-env',
  ACME_API_SECRET: 'acme-credential-named-in-csc-hidden-env',
};

let model: ResponsesStandIn;
let home: CodexHome;
let telegram: TelegramStandIn;
let runner: TelegramRunner | undefined;
let running: Promise<unknown> | undefined;

beforeAll(async () => {
  model = await ResponsesStandIn.start();
  home = writeCodexHome(model.baseUrl);
  telegram = await TelegramStandIn.start();
});

afterEach(() => vi.unstubAllEnvs());

afterAll(async () => {
  await runner?.stop();
  await running;
  await telegram.close();
  await model.close();
  home.remove();
  removeTempDirs();
});

/** The runner as `csc telegram` makes it: settings and the child environment both from the process environment. */
async function startRunner(): Promise<void> {
  const dir = tempDir();
  const conf = join(dir, 'conf.toml');
  writeFileSync(
    conf,
    `[telegram]\nallowed_users = [${USER}]\n[telegram.polling]\npoll_timeout = 1\nloop_sleep_sec = 0\n` +
      `[codex]\nsandbox = "workspace-write"\napproval_policy = "never"\n[profiles.default]\nworking_directory = "${tempDir()}"\n`,
  );
  vi.stubEnv('CODEX_CONF_PATH', conf);
  vi.stubEnv('HOME', dirname(conf));
  const config = resolveOrchestratorConfig(loadEnvironment(dir));
  runner = await TelegramRunner.create({ config, log: silentLogger(), version: 'test', env: childEnvironment({ values: [config.botToken] }), codexEnv: home.env, progressIntervalMs: 50, perChatIntervalMs: 0 });
  running = runner.run();
  await waitFor(() => telegram.calls.some((c) => c.method === 'getUpdates' && c.payload.offset !== -1), 'the runner polling');
}

describe('csc telegram: the environment of the commands Codex runs', () => {
  it('holds neither the bot token (nor a copy) nor other credentials, and still a harmless variable', { timeout: 30_000 }, async () => {
    vi.stubEnv('TELEGRAM_BOT_TOKEN', telegram.token);
    vi.stubEnv('TELEGRAM_API_ROOT', telegram.apiRoot);
    vi.stubEnv('BOT_TOKEN_COPY', telegram.token);
    vi.stubEnv('CSC_HIDDEN_ENV', 'ACME_*');
    vi.stubEnv('CSC_RUNNER_MARKER', 'runner-marker-visible-8c3d');
    for (const [name, value] of Object.entries(SECRETS)) vi.stubEnv(name, value);
    await startRunner();

    model.enqueue({ output: [execCommandCall('env')] }, { output: [assistantMessage('Printed it.')] });
    telegram.say({ chatId: USER, text: 'print the environment' });
    await waitFor(() => telegram.sentTo(USER).find((m) => /Printed it/.test(m.text)), 'the answer', 20_000);
    // What the command printed goes back to the model as the tool call's output: the agent's own view.
    const seen = JSON.stringify(model.requests.at(-1)?.body);
    expect(seen).toContain('CSC_RUNNER_MARKER=runner-marker-visible-8c3d');
    expect(seen, 'the bot token').not.toContain(telegram.token);
    for (const [name, value] of Object.entries(SECRETS)) expect(seen, name).not.toContain(value);
  });
});
