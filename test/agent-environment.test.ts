import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/master/store/index.js';
import type { NodeInfo, SequencedJobEvent } from '../src/protocol/index.js';
import { assistantMessage, execCommandCall, ResponsesStandIn, writeCodexHome, type CodexHome } from '../src/test-support/responses-stand-in.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { startTestMaster } from '../src/test-support/test-master.js';
import { waitFor } from '../src/test-support/wait.js';
import { runCsc } from './cli-process.js';

// Every value is distinct and long, so that a leak of any one shows in `env`'s output.
const CHAT_AND_EXTRA = {
  TELEGRAM_BOT_TOKEN: '123456789:AAtelegram-credential-71e0c9',
  SLACK_BOT_TOKEN: 'xoxb-slack-bot-credential-5a6d2e',
  SLACK_APP_TOKEN: 'xapp-slack-app-credential-c40b8f',
  SLACK_USER_TOKEN: 'xoxp-slack-user-credential-e19a77',
  // The node's own GitHub credential: git gets it for a push, Codex never.
  GITHUB_TOKEN: 'ghp_github-node-credential-7c2e9a',
  // Named in CSC_HIDDEN_ENV: one by its exact name, one through a prefix.
  ACME_DEPLOY_KEY: 'acme-deploy-credential-0d9b3a',
  ACME_VAULT_ROLE_SECRET: 'acme-vault-credential-6f41c2',
};
/** Set beside the secrets in every environment under test. */
const HARMLESS = { CSC_HIDDEN_ENV: 'ACME_DEPLOY_KEY, ACME_VAULT_*', CSC_ENV_MARKER: 'csc-env-marker-visible-4417' };
const LEAKED_NAMES = /^(MASTER_\w*TOKEN|SLACK_\w*TOKEN|TELEGRAM_BOT_TOKEN|GITHUB_TOKEN|ACME_\w+|\w+_COPY)=/m;

let standIn: ResponsesStandIn;
let home: CodexHome;

beforeAll(async () => {
  standIn = await ResponsesStandIn.start();
  home = writeCodexHome(standIn.baseUrl);
});

afterAll(async () => {
  await standIn.close();
  home.remove();
  removeTempDirs();
});

type Api = (path: string, init?: RequestInit) => Promise<Response>;

/** Runs `env` as the agent's command in a real Codex turn and returns what the job log shows it printed. */
async function agentEnv(api: Api): Promise<string> {
  standIn.enqueue({ output: [execCommandCall('env')] }, { output: [assistantMessage('printed the environment')] });
  const body = { prompt: 'print the environment', profile: { sandbox: 'workspace-write', approvalPolicy: 'never' } };
  const created = (await (await api('/api/jobs', { method: 'POST', body: JSON.stringify(body) })).json()) as JobRecord;
  const job = async () => (await (await api(`/api/jobs/${created.id}`)).json()) as JobRecord;
  await waitFor(async () => ['succeeded', 'failed', 'cancelled', 'lost'].includes((await job()).status), 'the job to end', 20_000);
  expect((await job()).status).toBe('succeeded');
  const { events } = (await (await api(`/api/jobs/${created.id}/logs`)).json()) as { events: SequencedJobEvent[] };
  const finished = events.map((e) => e.event).find((e) => e.kind === 'command_finished');
  if (finished?.kind !== 'command_finished') throw new Error('the job log has no finished command');
  expect(finished.exitCode).toBe(0);
  return finished.output ?? '';
}

/** The marker proves that this is the command's real environment (an empty output would pass the rest). */
function expectScrubbed(output: string, secrets: Record<string, string>): void {
  expect(output).toContain(`CSC_ENV_MARKER=${HARMLESS.CSC_ENV_MARKER}`);
  expect(output).toMatch(/^PATH=/m);
  expect(output).toMatch(/^CODEX_HOME=/m);
  for (const [what, value] of Object.entries(secrets)) expect(output, what).not.toContain(value);
  expect(output).not.toMatch(LEAKED_NAMES);
}

describe('the environment a job sees (real Codex)', () => {
  it('csc node: none of the credentials, nor a copy of its --token, and still what Codex needs', async () => {
    const master = await startTestMaster();
    const nodeToken = master.nodeToken.value;
    const secrets = { ...CHAT_AND_EXTRA, MASTER_TOKEN: nodeToken, MASTER_BRIDGE_TOKEN: 'bridge-credential-9f2c41d7e6a8', MASTER_ADMIN_TOKEN: 'admin-credential-3b8e17c0d5f2' };
    const node = runCsc(
      // A data dir of its own: the node knows its token only from --token.
      ['node', '--port', String(master.ws.port), '--data-dir', tempDir('csc-env-node-'), '--name', 'env-check', '--workdir', tempDir('csc-env-work-'), '--token', nodeToken],
      // A harmless name holding the --token value: dropped for its value.
      { ...home.env, ...secrets, ...HARMLESS, TOKEN_COPY: nodeToken, GITHUB_COPY: CHAT_AND_EXTRA.GITHUB_TOKEN },
    );
    try {
      await waitFor(() => master.hub.listNodes().find((n: NodeInfo) => n.name === 'env-check' && n.capabilities?.codexVersion !== undefined), 'the node with Codex', 15_000);
      expectScrubbed(await agentEnv((path, init) => master.api(path, init)), secrets);
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
      await master.close();
    }
  });

  it('csc master --local-node (npm start): none of the master tokens, read from its files or given', async () => {
    const dataDir = tempDir('csc-env-master-');
    const stored = { admin: 'admin-token-stored-in-the-file-5c1e', bridge: 'bridge-token-stored-in-the-file-8d0a' };
    writeFileSync(join(dataDir, 'admin-token'), `${stored.admin}\n`, { mode: 0o600 });
    writeFileSync(join(dataDir, 'bridge-token'), `${stored.bridge}\n`, { mode: 0o600 });
    const nodeToken = 'node-token-configured-in-env-2f7b';
    const secrets = { ...CHAT_AND_EXTRA, MASTER_TOKEN: nodeToken, storedAdmin: stored.admin, storedBridge: stored.bridge };
    const env = { ...home.env, ...CHAT_AND_EXTRA, MASTER_TOKEN: nodeToken, ADMIN_COPY: stored.admin, BRIDGE_COPY: stored.bridge, NODE_COPY: nodeToken, ...HARMLESS };
    const master = runCsc(['master', '--port', '0', '--http-port', '0', '--data-dir', dataDir, '--local-node'], { ...env, NODE_NAME: 'env-local' });
    try {
      await master.waitForOutput(/Local node: "env-local" runs jobs with Codex/, 20_000);
      const [, port] = await master.waitForOutput(/http:\/\/127\.0\.0\.1:(\d+)\//);
      const api: Api = (path, init = {}) =>
        fetch(`http://127.0.0.1:${port}${path}`, { ...init, headers: { authorization: `Bearer ${stored.admin}`, 'content-type': 'application/json' } });
      expectScrubbed(await agentEnv(api), secrets);
      master.child.kill('SIGTERM');
      expect(await master.exited).toBe(0);
    } finally {
      master.child.kill('SIGKILL');
    }
  });
});
