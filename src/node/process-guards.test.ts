import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCsc, type CscProcess } from '../../test/cli-process.js';
import type { JobRecord } from '../master/store/index.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { waitFor } from '../test-support/wait.js';

let master: TestMaster;
let node: CscProcess | undefined;
afterEach(async () => {
  node?.child.kill('SIGKILL');
  await master.close();
});
afterAll(removeTempDirs);

/**
 * Loaded into the node process before the CLI: each SIGUSR2 sets off the next fault, first a
 * rejected promise nobody handles, then an exception nobody catches, as a bug in the node would.
 */
const FAULTS = `
let faults = 0;
process.on('SIGUSR2', () => {
  faults += 1;
  if (faults === 1) void Promise.reject(new Error('rejected on purpose'));
  else throw new Error('thrown on purpose');
});
`;

interface LogLine {
  level: number;
  msg: string;
  err?: { message?: string; stack?: string };
}

function logLines(text: string): LogLine[] {
  return text.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}

describe('csc node process-level handlers (the built CLI)', () => {
  it('logs an unhandled rejection and goes on; logs an uncaught exception as fatal with its stack and exits 1', async () => {
    master = await startTestMaster();
    const preload = join(tempDir(), 'faults.mjs');
    writeFileSync(preload, FAULTS);
    const args = ['node', '--port', String(master.ws.port), '--token', master.nodeToken.value, '--data-dir', tempDir(), '--name', 'guarded', '--allow-echo-executor', '--log-format', 'json'];
    node = runCsc(args, { NODE_OPTIONS: `--import=${preload}` });
    await node.waitForOutput(/connected to master/);

    node.child.kill('SIGUSR2');
    await node.waitForOutput(/unhandled promise rejection: the node goes on/);
    expect(logLines(node.stderr()).find((l) => l.msg.startsWith('unhandled promise rejection'))).toMatchObject({
      level: 50,
      err: { message: 'rejected on purpose', stack: expect.stringContaining('faults.mjs') as unknown },
    });
    // Still a working node: it takes a job and finishes it.
    const created = (await (await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'still here' }) })).json()) as JobRecord;
    await waitFor(async () => ((await (await master.api(`/api/jobs/${created.id}`)).json()) as JobRecord).status === 'succeeded', 'the job to succeed');
    expect(node.child.exitCode).toBeNull();

    node.child.kill('SIGUSR2');
    expect(await node.exited).toBe(1);
    expect(logLines(node.stderr()).find((l) => l.level === 60)).toMatchObject({
      msg: expect.stringMatching(/^uncaught exception: the node exits so that its supervisor restarts it/) as unknown,
      err: { message: 'thrown on purpose', stack: expect.stringMatching(/thrown on purpose\n\s+at .*faults\.mjs/) as unknown },
    });
  });
});
