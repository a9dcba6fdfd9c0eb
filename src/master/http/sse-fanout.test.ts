import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Coalescer } from './coalescer.js';
import { SseFanout } from './sse-fanout.js';

/** A response whose client never reads: everything written stays buffered. */
class StalledResponse extends EventEmitter {
  text = '';
  writableLength = 0;
  writableEnded = false;
  destroyed = false;
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    this.text += chunk;
    this.writableLength += Buffer.byteLength(chunk);
    return true;
  }
  end(): void {
    this.writableEnded = true;
    this.emit('close');
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

afterEach(() => vi.useRealTimers());

function fanout(maxBufferedBytes = 1024) {
  const hooks = { onFirst: vi.fn(), onLast: vi.fn() };
  const sse = new SseFanout({ maxBufferedBytes, pingIntervalMs: 1000, ...hooks });
  const add = (): StalledResponse => {
    const res = new StalledResponse();
    sse.add(res as unknown as ServerResponse);
    return res;
  };
  return { sse, hooks, add };
}

describe('SseFanout', () => {
  it('listens to its sources only while a client is connected', () => {
    const { sse, hooks, add } = fanout();
    const [a, b] = [add(), add()];
    expect(hooks.onFirst).toHaveBeenCalledTimes(1);
    sse.send('job', { id: 1 });
    expect(a.text).toBe(': connected\n\nevent: job\ndata: {"id":1}\n\n');
    expect(b.text).toBe(a.text);
    a.destroy();
    expect(hooks.onLast).not.toHaveBeenCalled();
    sse.close();
    expect(b.writableEnded).toBe(true);
    expect(hooks.onLast).toHaveBeenCalledTimes(1);
  });

  it('drops a client that stops reading once its buffer passes the limit, and keeps the others', () => {
    const { sse, hooks, add } = fanout(1024);
    const [stalled, reading] = [add(), add()];
    for (let i = 0; i < 20; i++) {
      sse.send('remote_nodes', { filler: 'x'.repeat(100) });
      reading.writableLength = 0;
    }
    expect(stalled.destroyed).toBe(true);
    expect(stalled.writableLength).toBeLessThan(1024 + 200);
    expect(reading.destroyed).toBe(false);
    expect(hooks.onLast).not.toHaveBeenCalled();
  });

  it('sends a comment line at every ping interval', () => {
    vi.useFakeTimers();
    const { add } = fanout();
    const res = add();
    vi.advanceTimersByTime(2500);
    expect(res.text).toBe(': connected\n\n: ping\n\n: ping\n\n');
  });
});

describe('Coalescer', () => {
  it('hands over the latest value per key at most once per window, the last one included', () => {
    vi.useFakeTimers();
    const batches: string[][] = [];
    const coalescer = new Coalescer<string>(100, (values) => batches.push(values));
    coalescer.push(1, 'queued');
    coalescer.push(2, 'other');
    coalescer.push(1, 'running');
    vi.advanceTimersByTime(99);
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(1);
    coalescer.push(1, 'succeeded');
    expect(batches).toEqual([['running', 'other']]);
    vi.advanceTimersByTime(100);
    expect(batches).toEqual([['running', 'other'], ['succeeded']]);
    coalescer.push(3, 'dropped');
    coalescer.clear();
    vi.advanceTimersByTime(1000);
    expect(batches).toHaveLength(2);
  });
});
