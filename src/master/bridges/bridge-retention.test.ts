import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';

let master: TestMaster;
let bridge: TestClient | undefined;
afterEach(async () => {
  bridge?.close();
  await master.close();
});
afterAll(removeTempDirs);

describe('a chat thread whose last job retention pruned', () => {
  it('starts a new conversation instead of failing: the request is queued without continueFrom', async () => {
    master = await startTestMaster();
    bridge = await TestClient.node(master.wsUrl, master.bridgeToken.value, { name: 'chat', role: 'bridge' });
    // Job 41 is not (or no longer) stored, as after MASTER_RETENTION_DAYS pruned it.
    bridge.sendJson({ type: 'job_submit', requestId: 'r-1', prompt: 'and now the tests', continueFrom: 41, origin: { kind: 'telegram', chatId: 7 } });
    const update = await bridge.next((m) => m.json?.type === 'job_update' || m.json?.type === 'error');
    expect(update.json).toMatchObject({ type: 'job_update', requestId: 'r-1', job: { status: 'queued' } });
    const id = (update.json?.job as { id: number }).id;
    expect((await master.jobs.get(id)).continueFrom).toBeUndefined();
  });
});
