import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { chooseExecutor } from '../src/cli/node-runtime.js';
import { environmentFrom, resolveNodeConfig } from '../src/config/index.js';
import type { JobRecord } from '../src/master/store/index.js';
import * as node from '../src/node/index.js';
import type { NodeInfo, SequencedJobEvent } from '../src/protocol/index.js';
import { legacyCodexLauncher, LEGACY_CODEX_VERSION } from '../src/test-support/codex-legacy.js';
import { captureLog } from '../src/test-support/log-capture.js';
import { applyPatchCall, assistantMessage, execCommandCall, ResponsesStandIn, writeCodexHome, type CodexHome } from '../src/test-support/responses-stand-in.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { waitFor } from '../src/test-support/wait.js';
import { runCsc, type CscProcess } from './cli-process.js';

const CANCEL_WAIT_SEC = 5;
let standIn: ResponsesStandIn;
let home: CodexHome;
let master: TestMaster;
let workdir: string;
let cli: CscProcess;

beforeAll(async () => {
  standIn = await ResponsesStandIn.start();
  home = writeCodexHome(standIn.baseUrl);
  master = await startTestMaster({ jobs: { maxAttempts: 1, defaultTimeoutSec: 60, requeueGraceSec: 30, cancelWaitSec: CANCEL_WAIT_SEC, allowLocalRepos: false } });
  workdir = tempDir('csc-legacy-workdir-');
  // `node codex.js` is a launcher in front of the binary, as `npx -y @openai/codex@0.153.4` is in the seeds' setups.
  const env = { ...home.env, NODE_CODEX_COMMAND: process.execPath, NODE_CODEX_ARGS: `${legacyCodexLauncher()} mcp-server` };
  cli = runCsc(['node', '--port', String(master.ws.port), '--data-dir', master.config.dataDir, '--name', 'legacy', '--workdir', workdir], env);
});

afterAll(async () => {
  cli.child.kill('SIGTERM');
  await cli.exited;
  await master.close();
  await standIn.close();
  home.remove();
  removeTempDirs();
});

async function create(body: Record<string, unknown>): Promise<JobRecord> {
  const profile = { sandbox: 'workspace-write', approvalPolicy: 'never' };
  return (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ profile, ...body }) })).json()) as JobRecord;
}

async function get(id: number): Promise<JobRecord> {
  return (await (await master.api(`/api/jobs/${id}`)).json()) as JobRecord;
}

/** Runs a job to its end; returns it with its log. */
async function run(body: Record<string, unknown>): Promise<{ job: JobRecord; events: SequencedJobEvent[] }> {
  const { id } = await create(body);
  await waitFor(async () => ['succeeded', 'failed', 'cancelled'].includes((await get(id)).status), `job ${id} to end`, 15_000);
  const { events } = (await (await master.api(`/api/jobs/${id}/logs`)).json()) as { events: SequencedJobEvent[] };
  return { job: await get(id), events };
}

describe('a node on the legacy `codex mcp-server` (Codex 0.153.4, real binary, stand-in model)', () => {
  it('says it drives mcp-server and reports its Codex version to the master', async () => {
    await cli.waitForOutput(new RegExp(`Codex ${LEGACY_CODEX_VERSION.replace(/\./g, '\\.')} ready \\(codex mcp-server\\)`), 15_000);
    const listed = await waitFor(() => master.hub.listNodes().find((n: NodeInfo) => n.name === 'legacy'), 'the node');
    expect(listed.capabilities).toMatchObject({ executors: ['codex'], codexVersion: LEGACY_CODEX_VERSION });
  });

  it('runs a command and writes files: command and exit code in the log, commands and files in the result', async () => {
    standIn.enqueue(
      { output: [execCommandCall('echo hi > out.txt')] },
      { output: [applyPatchCall('*** Begin Patch\n*** Add File: notes.md\n+one\n+two\n*** End Patch\n')] },
      { output: [assistantMessage('Wrote out.txt and notes.md.', ['Wrote ', 'out.txt and notes.md.'])] },
    );
    const { job, events } = await run({ prompt: 'write the files' });
    expect(job.status).toBe('succeeded');
    expect(readFileSync(join(workdir, 'out.txt'), 'utf8')).toBe('hi\n');
    expect(existsSync(join(workdir, 'notes.md'))).toBe(true);
    const finished = events.map((e) => e.event).find((e) => e.kind === 'command_finished');
    expect(finished).toMatchObject({ kind: 'command_finished', command: expect.stringContaining('echo hi > out.txt') as string, exitCode: 0 });
    expect(events.some((e) => e.event.kind === 'agent_message_delta')).toBe(true);
    expect(job.result).toMatchObject({
      status: 'succeeded',
      finalMessage: 'Wrote out.txt and notes.md.',
      commands: [{ command: expect.stringContaining('echo hi > out.txt') as string, exitCode: 0 }],
      filesChanged: [{ path: join(workdir, 'notes.md'), kind: 'add', added: 2, removed: 0 }],
      threadId: expect.any(String) as string,
    });
    expect(job.result?.tokens?.total).toBeGreaterThan(0);
  });

  it('continues the Codex thread of an earlier job (codex-reply)', async () => {
    standIn.reset();
    standIn.enqueue({ output: [assistantMessage('The secret word is PLUM.')] }, { output: [assistantMessage('You asked about PLUM.')] });
    const first = await run({ prompt: 'remember the word plum' });
    const second = await run({ prompt: 'what did I ask?', continueFrom: first.job.id });
    expect(second.job).toMatchObject({ status: 'succeeded', node: 'legacy', result: { threadId: first.job.result?.threadId, finalMessage: 'You asked about PLUM.' } });
    const input = JSON.stringify((standIn.requests[1]?.body as { input?: unknown }).input);
    expect(input).toContain('remember the word plum');
    expect(input).toContain('The secret word is PLUM.');
  });

  it('cancels a job during a slow model turn within the cancel timeout', async () => {
    standIn.reset();
    standIn.enqueue({ output: [assistantMessage('too late')], delayMs: 30_000 });
    const { id } = await create({ prompt: 'slow' });
    await waitFor(() => standIn.requests.length === 1, 'the model request', 10_000);
    const cancelledAt = Date.now();
    await master.api(`/api/jobs/${id}/cancel`, { method: 'POST', body: '{}' });
    await waitFor(async () => (await get(id)).status === 'cancelled', 'the cancel', CANCEL_WAIT_SEC * 1000);
    // Codex stops the turn in well under a second; the master would give up on the node only after CANCEL_WAIT_SEC.
    expect(Date.now() - cancelledAt).toBeLessThan(2000);
    const job = await get(id);
    expect(job.result?.status).toBe('cancelled');
    expect(job.error ?? '').not.toMatch(/did not confirm the cancel/);
  });

  it("fails a job with Codex's own message when the model endpoint answers 400", async () => {
    standIn.reset();
    standIn.enqueue({ status: 400, body: { error: { message: 'model gpt-5.5 is not available for this key', type: 'invalid_request_error' } } });
    const { job } = await run({ prompt: 'anything' });
    expect(job.status).toBe('failed');
    expect(job.error).toContain('model gpt-5.5 is not available for this key');
    expect(job.result?.error).toContain('model gpt-5.5 is not available for this key');
  });
});

/** The tested Codex (the dev dependency), which has no mcp-server. */
const CURRENT_CODEX = (createRequire(import.meta.url)('@openai/codex/package.json') as { version: string }).version;

describe('asking for mcp-server on a Codex without it (the dev dependency)', () => {
  it('says so once and drives app-server instead', async () => {
    vi.stubEnv('CODEX_HOME', home.dir);
    const { log, lines } = captureLog();
    const config = resolveNodeConfig({ codexArg: ['mcp-server'], workdir }, environmentFrom({}), false);
    const chosen = await chooseExecutor(node, config, log);
    try {
      expect(chosen).toMatchObject({ transport: 'app-server', codexVersion: CURRENT_CODEX });
      expect(chosen.executor).toBeInstanceOf(node.CodexExecutor);
      const removed = lines.filter((line) => line.msg.includes('removed `codex mcp-server`'));
      expect(removed.map((line) => line.msg)).toEqual([
        `Codex ${CURRENT_CODEX} removed \`codex mcp-server\` in 0.154; ` +
          'this node drives `codex app-server` instead. ' +
          'Drop mcp-server from NODE_CODEX_ARGS (--codex-arg), or pin @openai/codex@0.153.4 for the legacy transport.',
      ]);
      expect(lines.find((line) => line.msg === `Codex ${CURRENT_CODEX} ready (codex app-server)`)).toMatchObject({ transport: 'app-server' });
    } finally {
      await chosen.close?.();
      vi.unstubAllEnvs();
    }
  });
});
