import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/master/store/index.js';
import { assistantMessage, ResponsesStandIn, writeCodexHome } from '../src/test-support/responses-stand-in.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { waitFor } from '../src/test-support/wait.js';
import { runCsc } from './cli-process.js';

afterAll(removeTempDirs);

describe('csc master --local-node (what npm start runs)', () => {
  it('starts a node beside the master that runs jobs with Codex, and says which Codex', async () => {
    const standIn = await ResponsesStandIn.start();
    const home = writeCodexHome(standIn.baseUrl);
    const dataDir = tempDir();
    const master = runCsc(['master', '--port', '0', '--http-port', '0', '--data-dir', dataDir, '--local-node'], { ...home.env, NODE_NAME: 'this-machine' });
    try {
      await master.waitForOutput(/Local node: "this-machine" runs jobs with Codex (codex-cli )?0\.\d+\.\d+ \(.+codex\) in /, 20_000);
      const [, http] = await master.waitForOutput(/http:\/\/127\.0\.0\.1:(\d+)\//);
      const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
      const api = (path: string, init: RequestInit = {}) =>
        fetch(`http://127.0.0.1:${http}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
      standIn.enqueue({ output: [assistantMessage('hello from this machine')] });
      const created = (await (await api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'hi' }) })).json()) as JobRecord;
      const get = async () => (await (await api(`/api/jobs/${created.id}`)).json()) as JobRecord;
      await waitFor(async () => ['succeeded', 'failed'].includes((await get()).status), 'the job', 20_000);
      expect(await get()).toMatchObject({ status: 'succeeded', node: 'this-machine', result: { finalMessage: 'hello from this machine' } });
      master.child.kill('SIGTERM');
      expect(await master.exited).toBe(0);
    } finally {
      master.child.kill('SIGKILL');
      await standIn.close();
      home.remove();
    }
  });

  it('says what to install when Codex cannot start', async () => {
    const master = runCsc(['master', '--port', '0', '--http-port', '0', '--data-dir', tempDir(), '--local-node'], {
      NODE_CODEX_COMMAND: join(tempDir(), 'no-codex-here'),
    });
    try {
      await master.waitForOutput(/cannot start Codex .*npm install -g @openai\/codex/, 20_000);
    } finally {
      master.child.kill('SIGKILL');
    }
  });
});
