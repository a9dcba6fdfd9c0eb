import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Frame, MasterUrls } from '../protocol/index.js';
import { captureLog } from '../test-support/log-capture.js';
import { removeTempDirs } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { waitFor } from '../test-support/wait.js';
import { MasterLink } from './master-link.js';

/** Both masters know the same bridge credential, as masters sharing one fleet do. */
const bridgeToken = 'a-shared-bridge-token-0123456789';
const masters = new Set<TestMaster>();
const links: MasterLink[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.stop()));
  await Promise.all([...masters].map((m) => m.close()));
  masters.clear();
});
afterAll(removeTempDirs);

async function master(overrides: { port?: number; dataDir?: string } = {}): Promise<TestMaster> {
  const started = await startTestMaster({ bridgeToken, ...overrides });
  masters.add(started);
  return started;
}

async function stop(m: TestMaster): Promise<void> {
  masters.delete(m);
  await m.close();
}

function startLink(urls: MasterUrls) {
  const { log, lines } = captureLog('info');
  const frames: Frame[] = [];
  const link = new MasterLink({ urls, name: 'bridge', version: 'test', token: () => bridgeToken, reconnectMs: 20, onFrame: (f) => frames.push(f), onWelcome: () => undefined }, log);
  links.push(link);
  link.start();
  /** The masters the link was welcomed by, in order. */
  const welcomedBy = () => lines.filter((l) => l.level === 30 && l.msg.startsWith('connected to the master')).map((l) => l.url);
  /** Asks for the status (sent now or, queued, once a master is back) and waits for the answer. */
  const status = async (requestId: string) => {
    link.send({ type: 'status_request', requestId });
    await waitFor(() => frames.find((f) => f.type === 'status' && f.requestId === requestId), `the answer to ${requestId}`);
  };
  return { link, lines, welcomedBy, status };
}

describe('MasterLink with several masters', () => {
  it('goes on to the second master when nothing listens at the first, saying which it tried', async () => {
    const b = await master();
    // Closed after B listens, so that B cannot have been given its port.
    const gone = await master();
    await stop(gone);
    const dead = gone.wsUrl;
    const { welcomedBy, lines, status } = startLink([dead, b.wsUrl]);
    await status('first');
    expect(welcomedBy()).toEqual([b.wsUrl]);
    expect(lines.find((l) => l.level === 40)).toMatchObject({
      url: dead,
      next: b.wsUrl,
      msg: `connection to the master at ${dead} lost or refused (nothing listens at ${dead}: is the master running?); trying ${b.wsUrl} next`,
    });
  });

  it('moves to B when A goes, and back to A when B goes and A is up again, answering there', async () => {
    const a = await master();
    const b = await master();
    const { port, dataDir } = { port: a.ws.port, dataDir: a.config.dataDir };
    const aUrl = a.wsUrl;
    const { link, welcomedBy, status } = startLink([aUrl, b.wsUrl]);
    await status('on-a');

    await stop(a);
    await waitFor(() => welcomedBy().length === 2, 'the welcome of B');
    await status('on-b');
    expect(welcomedBy()).toEqual([aUrl, b.wsUrl]);

    // A again, on its port: the afterEach closes it.
    await master({ port, dataDir });
    await stop(b);
    await waitFor(() => welcomedBy().length === 3, 'the welcome of A again');
    await status('back-on-a');
    expect(welcomedBy()).toEqual([aUrl, b.wsUrl, aUrl]);
    expect(link.connected).toBe(true);
  });
});
