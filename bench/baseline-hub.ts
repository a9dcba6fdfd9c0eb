/**
 * The reference hubs the master is compared with: the smallest `ws` broadcast relay, without auth,
 * protocol or bookkeeping. `corked` batches each receiver's frames of one event-loop tick into one
 * write (the technique the master's outbox uses); `plain` does one `send` per receiver.
 * Usage: node --import tsx bench/baseline-hub.ts corked|plain — prints `{"port":N}` on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

interface Peer {
  ws: WebSocket;
  socket: Duplex;
  corked: boolean;
}

/** Relayed chat must stay a text frame; ws sends a Buffer as binary unless told otherwise. */
const TEXT_FRAME = { binary: false } as const;

const mode = process.argv[2];
if (mode !== 'corked' && mode !== 'plain') {
  process.stderr.write('usage: baseline-hub.ts corked|plain\n');
  process.exit(2);
}

const peers = new Set<Peer>();
let corkedPeers: Peer[] = [];

function uncorkAll(): void {
  const batch = corkedPeers;
  corkedPeers = [];
  for (const peer of batch) {
    peer.corked = false;
    peer.socket.uncork();
  }
}

function sendCorked(peer: Peer, data: Buffer): void {
  if (!peer.corked) {
    peer.corked = true;
    peer.socket.cork();
    if (corkedPeers.push(peer) === 1) process.nextTick(uncorkAll);
  }
  peer.ws.send(data, TEXT_FRAME);
}

function relay(from: Peer, data: RawData): void {
  const buffer = data as Buffer;
  for (const peer of peers) {
    if (peer === from) continue;
    if (mode === 'corked') sendCorked(peer, buffer);
    else peer.ws.send(buffer, TEXT_FRAME);
  }
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
const server = createServer((_req, res) => res.writeHead(426).end());
server.on('upgrade', (req, socket, head) => {
  socket.on('error', () => socket.destroy());
  wss.handleUpgrade(req, socket, head, (ws) => {
    const peer: Peer = { ws, socket, corked: false };
    peers.add(peer);
    ws.on('message', (data) => relay(peer, data));
    ws.on('close', () => peers.delete(peer));
    ws.on('error', () => ws.terminate());
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
