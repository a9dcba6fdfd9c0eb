import { afterAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/master/store/index.js';
import type { NodeInfo } from '../src/protocol/index.js';
import { assistantMessage, execCommandCall, ResponsesStandIn, writeCodexHome } from '../src/test-support/responses-stand-in.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { startTestMaster } from '../src/test-support/test-master.js';
import { waitFor } from '../src/test-support/wait.js';
import { runCsc } from './cli-process.js';

afterAll(removeTempDirs);

describe('csc node with Codex', () => {
  it('reports its Codex version and runs a job with the real codex binary', async () => {
    const standIn = await ResponsesStandIn.start();
    const home = writeCodexHome(standIn.baseUrl);
    const master = await startTestMaster();
    const workdir = tempDir('csc-node-workdir-');
    const node = runCsc(
      ['node', '--port', String(master.ws.port), '--data-dir', master.config.dataDir, '--name', 'codex-cli', '--workdir', workdir, '--codex-arg', 'mcp-server'],
      home.env,
    );
    try {
      await node.waitForOutput(/Codex 0\.\d+\.\d+ removed .codex mcp-server. in 0\.154; this node drives .codex app-server. instead/);
      const listed = await waitFor(() => master.hub.listNodes().find((n: NodeInfo) => n.name === 'codex-cli'), 'the node', 15_000);
      expect(listed.capabilities).toMatchObject({ slots: 1, executors: ['codex'], codexVersion: expect.stringMatching(/^(codex-cli )?0\.\d+\.\d+/) as unknown });

      standIn.enqueue({ output: [execCommandCall('echo from-cli > cli.txt')] }, { output: [assistantMessage('done from the CLI node')] });
      const created = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'write cli.txt', profile: { sandbox: 'workspace-write', approvalPolicy: 'never' } }) })).json()) as JobRecord;
      const get = async () => (await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord;
      await waitFor(async () => ['succeeded', 'failed'].includes((await get()).status), 'the job', 20_000);
      expect(await get()).toMatchObject({ status: 'succeeded', node: 'codex-cli', result: { finalMessage: 'done from the CLI node', commands: [{ exitCode: 0 }] } });

      node.child.kill('SIGTERM');
      expect(await node.exited).toBe(0);
    } finally {
      node.child.kill('SIGKILL');
      await master.close();
      await standIn.close();
      home.remove();
    }
  });
});
