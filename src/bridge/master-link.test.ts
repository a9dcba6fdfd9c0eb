import { afterEach, describe, expect, it } from 'vitest';
import { captureLog } from '../test-support/log-capture.js';
import { startRefusingMaster, type Answer } from '../test-support/refusing-master.js';
import { waitFor } from '../test-support/wait.js';
import { MasterLink } from './master-link.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function linkTo(answer: (attempt: number) => Answer) {
  const master = await startRefusingMaster(answer);
  cleanups.push(master.close);
  const { log, lines } = captureLog('debug');
  const link = new MasterLink(
    { urls: [master.url], name: 'bridge', version: 'test', token: () => 'a-bridge-token-0123456789', tokenHint: 'Set MASTER_BRIDGE_TOKEN.', reconnectMs: 10, onFrame: () => undefined, onWelcome: () => undefined },
    log,
  );
  cleanups.push(() => link.stop());
  link.start();
  const errors = () => lines.filter((l) => l.level === 50);
  return { master, link, lines, errors };
}

const forbidden: Answer = { close: 4003, reason: 'forbidden: a node credential cannot say hello as a bridge' };
const revoked: Answer = { close: 4001, reason: 'credential revoked' };

describe('MasterLink and credential refusals', () => {
  it('logs a forbidden or revoked credential as an error once per reason, and keeps retrying', async () => {
    const { master, errors, lines } = await linkTo((attempt) => (attempt <= 3 ? forbidden : revoked));
    await waitFor(() => master.attempts() >= 6, 'six attempts');
    const logged = errors();
    expect(logged.map((l) => l.msg)).toEqual([
      'the master refused this bridge (forbidden: a node credential cannot say hello as a bridge). Set MASTER_BRIDGE_TOKEN. Retrying every 0.01 s.',
      "the master revoked this bridge's credential (credential revoked). Set MASTER_BRIDGE_TOKEN. Retrying every 0.01 s.",
    ]);
    expect(logged.map((l) => l.code)).toEqual([4003, 4001]);
    expect(lines.filter((l) => l.level === 20 && /retrying$/.test(l.msg)).length).toBeGreaterThanOrEqual(3);
  });

  it('logs the same refusal again after the master welcomed it in between', async () => {
    const { master, errors, link } = await linkTo((attempt) => (attempt === 2 ? { welcome: true } : forbidden));
    await waitFor(() => errors().length === 1, 'the first refusal');
    await waitFor(() => link.connected, 'the welcome');
    await link.stop();
    link.start();
    await waitFor(() => errors().length === 2, 'the refusal after the welcome');
    expect(master.attempts()).toBeGreaterThanOrEqual(3);
  });

  it('keeps retrying when the token is refused (401), pointing at the bridge credential', async () => {
    const { master, lines } = await linkTo(() => ({ refuse: 401 }));
    await waitFor(() => master.attempts() >= 3, 'three attempts');
    const refused = lines.filter((l) => l.level === 40);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(refused[0]?.msg).toBe('master connection lost or refused (the master refused the token. Set MASTER_BRIDGE_TOKEN.); retrying');
    for (const line of lines) expect(JSON.stringify(line)).not.toContain('a-bridge-token-0123456789');
  });
});
