import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { encodeFrame } from '../protocol/index.js';

/** What the stand-in does with one connection: refuse the upgrade, close with a code, or welcome it. */
export type Answer = { refuse: number } | { close: number; reason: string } | { welcome: true };

/**
 * A WebSocket server that answers each connection as `answer` says, for testing how clients take
 * the master's refusals (401, close codes 4001/4003) without the rest of a master.
 */
export async function startRefusingMaster(answer: (attempt: number) => Answer) {
  let attempts = 0;
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    verifyClient: (_info, done) => {
      attempts += 1;
      const answered = answer(attempts);
      if ('refuse' in answered) done(false, answered.refuse);
      else done(true);
    },
  });
  wss.on('connection', (ws) => {
    const answered = answer(attempts);
    if ('close' in answered) ws.close(answered.close, answered.reason);
    else ws.send(encodeFrame({ type: 'welcome', id: `c${attempts}`, name: 'stand-in', role: 'bridge', protocol: 1, serverVersion: 'test', heartbeatIntervalSec: 15, maxPayloadBytes: 1024 * 1024 }));
  });
  await once(wss, 'listening');
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    attempts: () => attempts,
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}
