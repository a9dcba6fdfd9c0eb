/**
 * Scenarios A and B of the load generator: one sender, everyone else receives. Frames are plain
 * text (the hub relays them byte for byte) that start with a fixed-width sequence number and the
 * send time, so a receiver can tell which frame it got and how late it is without a lookup table;
 * sender and receivers live in this process, so they share performance.now()'s clock.
 */
import type { RawData, WebSocket } from 'ws';
import type { FanoutResult, FanoutSpec, Latency, SteadyResult, SteadySpec } from './spec.js';
import { readCpuSec } from './proc.js';
import { percentile, sleep, waitUntil } from './stats.js';

const SEQ_DIGITS = 10;
const TIME_START = SEQ_DIGITS + 1;
const TIME_END = TIME_START + 15;
const ZERO = 0x30;

/** `<seq, 10 digits> <sent at, ms> xxxx…`, exactly `bytes` long. */
function frameMaker(bytes: number): (seq: number) => string {
  const padding = 'x'.repeat(bytes - TIME_END - 1);
  return (seq) => `${seq.toString().padStart(SEQ_DIGITS, '0')} ${performance.now().toFixed(3).padStart(TIME_END - TIME_START, '0')} ${padding}`;
}

/** Parsed by hand: this runs for every delivery, up to a million times a second. */
function readSeq(frame: Buffer): number {
  let seq = 0;
  for (let i = 0; i < SEQ_DIGITS; i++) seq = seq * 10 + (frame[i] ?? ZERO) - ZERO;
  return seq;
}

function ageMs(frame: Buffer): number {
  return performance.now() - Number(frame.toString('latin1', TIME_START, TIME_END));
}

export function summarize(latencies: number[]): Latency {
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), samples: latencies.length };
}

type WindowFigures = Pick<FanoutResult, 'deliveriesPerSec' | 'hubCpuUsPerDelivery'>;

/**
 * Starts the measured window; the returned function ends it. The hub's CPU time per delivery is
 * reported besides throughput because the generator shares the CPU with the hub: throughput alone
 * understates how much cheaper one hub is than another.
 */
function openWindow(hubPid: number, deliveredSoFar: number): (deliveredNow: number) => WindowFigures {
  const start = { delivered: deliveredSoFar, at: performance.now(), cpuSec: readCpuSec(hubPid) };
  return (deliveredNow) => {
    const count = deliveredNow - start.delivered;
    return {
      deliveriesPerSec: (count * 1000) / (performance.now() - start.at),
      hubCpuUsPerDelivery: ((readCpuSec(hubPid) - start.cpuSec) * 1e6) / count,
    };
  };
}

function split(clients: WebSocket[]): { sender: WebSocket; receivers: WebSocket[] } {
  const [sender, ...receivers] = clients;
  if (sender === undefined || receivers.length === 0) throw new Error('a traffic scenario needs at least two clients');
  return { sender, receivers };
}

/**
 * Scenario A. The sender keeps at most `window` frames not yet received by every receiver, so the
 * hub always has work queued but its buffers stay bounded. Receivers see frames in order (one TCP
 * stream each, relayed in arrival order), so frames complete in order and a counter per window
 * slot is enough to know when the oldest one is done.
 */
export async function runFanout(spec: FanoutSpec, clients: WebSocket[]): Promise<FanoutResult> {
  const { sender, receivers } = split(clients);
  const makeFrame = frameMaker(spec.messageBytes);
  const receipts = new Uint32Array(spec.window);
  const latencies: number[] = [];
  let sent = 0;
  let completed = 0;
  let delivered = 0;
  let sending = true;
  let measuring = false;
  const pump = (): void => {
    while (sending && sent - completed < spec.window) sender.send(makeFrame(sent++));
  };
  const onMessage = (data: RawData): void => {
    const frame = data as Buffer;
    const seq = readSeq(frame);
    delivered++;
    if (measuring && seq % spec.sampleEvery === 0) latencies.push(ageMs(frame));
    const slot = seq % spec.window;
    const received = (receipts[slot] ?? 0) + 1;
    receipts[slot] = received === receivers.length ? 0 : received;
    if (received === receivers.length) {
      completed = seq + 1;
      pump();
    }
  };
  for (const receiver of receivers) receiver.on('message', onMessage);
  pump();
  await sleep(spec.warmupMs);
  const closeWindow = openWindow(spec.hubPid, delivered);
  measuring = true;
  await sleep(spec.durationMs);
  measuring = false;
  const figures = closeWindow(delivered);
  sending = false;
  return { kind: 'fanout', ...figures, latency: summarize(latencies) };
}

/** Sends frame `sent`, `sent + 1`, … at their absolute due times, catching up after a late timer. */
export function pace(ratePerSec: number, total: number, send: (seq: number) => void): Promise<void> {
  const intervalMs = 1000 / ratePerSec;
  const start = performance.now();
  let sent = 0;
  return new Promise((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      while (sent < due) send(sent++);
      if (sent === total) resolve();
      else setTimeout(tick, start + sent * intervalMs - performance.now());
    };
    tick();
  });
}

/**
 * Scenario B. Latency counts every sampled frame sent after the warm-up, including those that
 * arrive during the drain, so a hub that falls behind shows it in p99 as well as in `undelivered`.
 */
export async function runSteady(spec: SteadySpec, clients: WebSocket[]): Promise<SteadyResult> {
  const { sender, receivers } = split(clients);
  const makeFrame = frameMaker(spec.messageBytes);
  const warmupFrames = Math.round((spec.ratePerSec * spec.warmupMs) / 1000);
  const total = warmupFrames + Math.round((spec.ratePerSec * spec.durationMs) / 1000);
  const latencies: number[] = [];
  let delivered = 0;
  const onMessage = (data: RawData): void => {
    const frame = data as Buffer;
    const seq = readSeq(frame);
    delivered++;
    if (seq >= warmupFrames && seq % spec.sampleEvery === 0) latencies.push(ageMs(frame));
  };
  for (const receiver of receivers) receiver.on('message', onMessage);
  let closeWindow: ((deliveredNow: number) => WindowFigures) | undefined;
  await pace(spec.ratePerSec, total, (seq) => {
    if (seq === warmupFrames) closeWindow = openWindow(spec.hubPid, delivered);
    sender.send(makeFrame(seq));
  });
  if (closeWindow === undefined) throw new Error('the steady scenario needs a duration');
  const figures = closeWindow(delivered);
  const expected = total * receivers.length;
  await waitUntil(() => delivered === expected, spec.drainMs);
  return { kind: 'steady', sent: total, ...figures, latency: summarize(latencies), undelivered: expected - delivered };
}
