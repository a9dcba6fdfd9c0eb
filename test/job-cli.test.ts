import { afterAll, afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '../src/log/index.js';
import { openStore } from '../src/master/store/open-store.js';
import { EchoExecutor, type NodeWorker } from '../src/node/index.js';
import type { SequencedJobEvent } from '../src/protocol/index.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { describeOnEngines } from '../src/test-support/test-database.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { startTestNode } from '../src/test-support/test-node.js';
import { waitFor } from '../src/test-support/wait.js';
import { runCsc } from './cli-process.js';

afterAll(removeTempDirs);

// The same proofs on each store engine: a real master on it, a real node, the built CLI.
describeOnEngines('csc job', (engine) => {
  let master: TestMaster;
  let worker: NodeWorker;
  beforeEach(async () => {
    master = await startTestMaster({ databaseUrl: await engine.databaseUrl('job_cli') });
    worker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'cli-node', slots: 2, executor: new EchoExecutor(300) });
    await waitFor(() => master.hub.listNodes().length === 1, 'the node');
  });
  afterEach(async () => {
    await worker.agent.stop();
    await master.close();
  });

  const csc = (...args: string[]) => runCsc(['job', ...args, '--url', master.httpUrl, '--data-dir', master.config.dataDir]);

  it('runs a job, follows its log and exits 0 when it succeeds', async () => {
    const run = csc('run', '--node', 'cli-node', 'hello from the cli');
    expect(await run.exited).toBe(0);
    expect(run.stderr()).toContain('job 1 assigned');
    expect(run.stdout()).toMatch(/▶ started \(echo\)\nhello from the cli\n■ succeeded in \d+\.\d s\n/);
    const ls = csc('ls');
    expect(await ls.exited).toBe(0);
    expect(ls.stdout()).toMatch(/^ +1 {2}succeeded {2}cli-node +\S+ {2}hello from the cli$/m);
  });

  it('exits 3 when the job it follows is cancelled, and cancels and shows jobs', async () => {
    const run = csc('run', '--tags', 'nobody', 'waits forever');
    await run.waitForOutput(/job 1 queued/);
    const cancel = csc('cancel', '1');
    expect(await cancel.exited).toBe(0);
    expect(cancel.stdout()).toBe('job 1 cancelled\n');
    expect(await run.exited).toBe(3);
    expect(run.stdout()).toContain('■ cancelled');
    const show = csc('show', '1');
    expect(await show.exited).toBe(0);
    expect(JSON.parse(show.stdout())).toMatchObject({ id: 1, status: 'cancelled', origin: { kind: 'cli' } });
    const logs = csc('logs', '1');
    expect(await logs.exited).toBe(0);
    expect(logs.stdout()).toContain('■ cancelled');
  });

  it('says what went wrong with a clear message and exit 1', async () => {
    const missing = csc('show', '999');
    expect(await missing.exited).toBe(1);
    expect(missing.stderr()).toBe('csc: not_found: no job 999\n');
    const bad = csc('run', '--repo', 'ext::sh -c id', 'x');
    expect(await bad.exited).toBe(1);
    expect(bad.stderr()).toContain('bad_request: invalid request body: repo:');
    const wrongToken = runCsc(['job', 'ls', '--url', master.httpUrl, '--token', 'not-the-admin-token-x']);
    expect(await wrongToken.exited).toBe(1);
    expect(wrongToken.stderr()).toContain('unauthorized');
  });

  it('prints a log longer than a page, every event once and in order', async () => {
    // A finished job of 12 000 events in a store of its own: more than two pages of 5000.
    const target = { dataDir: tempDir(), databaseUrl: await engine.databaseUrl('job_cli_long') };
    const filling = await openStore(target, silentLogger());
    const at = new Date().toISOString();
    const { id } = await filling.jobs.create({ prompt: 'long', target: { tags: [] }, profile: {}, origin: { kind: 'api' }, maxAttempts: 1, timeoutSec: 60 }, at);
    const events: SequencedJobEvent[] = Array.from({ length: 12_000 }, (_, i) => ({ seq: i + 1, at, event: { kind: 'log', level: 'info', message: `line ${i + 1}` } }));
    filling.jobs.appendEvents(id, events);
    filling.jobs.update(id, { status: 'failed', finishedAt: at });
    await filling.close();
    const long = await startTestMaster(target);
    try {
      const logs = runCsc(['job', 'logs', String(id), '--url', long.httpUrl, '--data-dir', target.dataDir]);
      expect(await logs.exited).toBe(0);
      expect(logs.stdout()).toBe(events.map((e) => `[info] line ${e.seq}\n`).join(''));
      const after = runCsc(['job', 'logs', String(id), '--after', '11998', '--url', long.httpUrl, '--data-dir', target.dataDir]);
      expect(await after.exited).toBe(0);
      expect(after.stdout()).toBe('[info] line 11999\n[info] line 12000\n');
    } finally {
      await long.close();
    }
  });
});
