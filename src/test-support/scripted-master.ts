import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeFrame, parseFrame, type Frame } from '../protocol/index.js';

/** A stand-in master driven by the test. */
export interface ScriptedMaster {
  url: string;
  /** Every frame the node sent, parsed by the master's own validation. */
  received: Frame[];
  /** Why each frame that did not pass that validation failed (a test expects none). */
  invalid: string[];
  /** Sends a frame to the connected node. */
  send(frame: Frame): void;
  close(): Promise<void>;
}

/**
 * A WebSocket server that welcomes a node's `hello` and otherwise only records and sends what the
 * test says, for the frames a real master sends only in states that are hard to reach (a
 * `job_cancel` with a reason, an assignment of a newer attempt at a chosen moment).
 */
export async function startScriptedMaster(maxPayloadBytes = 1024 * 1024): Promise<ScriptedMaster> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: maxPayloadBytes });
  const received: Frame[] = [];
  const invalid: string[] = [];
  let node: WebSocket | undefined;
  wss.on('connection', (ws) => {
    node = ws;
    ws.on('message', (data: Buffer) => {
      const parsed = parseFrame(data.toString('utf8'));
      if (!parsed.ok) {
        invalid.push(`${parsed.code}: ${parsed.message}`);
        return;
      }
      received.push(parsed.frame);
      if (parsed.frame.type !== 'hello') return;
      ws.send(encodeFrame({ type: 'welcome', id: 'n1', name: parsed.frame.name, role: 'node', protocol: 1, serverVersion: 'test', heartbeatIntervalSec: 15, maxPayloadBytes }));
    });
  });
  await once(wss, 'listening');
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    received,
    invalid,
    send: (frame) => {
      if (!node) throw new Error('no node is connected');
      node.send(encodeFrame(frame));
    },
    close: () => {
      for (const client of wss.clients) client.terminate();
      return new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
