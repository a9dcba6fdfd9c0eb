import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { removeTempDirs } from '../test-support/temp-dir.js';
import { startTestMaster } from '../test-support/test-master.js';
import { ApiClient, ApiClientError } from './api-client.js';
import { registerJobCommand } from './job-command.js';

afterAll(removeTempDirs);

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  vi.restoreAllMocks();
});

/** A server that resets the connection of the first `resets` requests (after reading them) and answers the rest. */
async function flakyServer(resets: number): Promise<{ url: string; seen: IncomingHttpHeaders[] }> {
  const seen: IncomingHttpHeaders[] = [];
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume();
    req.on('end', () => {
      if (seen.length <= resets) req.socket.destroy();
      else res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":1}');
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

const client = (baseUrl: string) => new ApiClient({ baseUrl, adminToken: 'admin-token-for-tests', ca: undefined }, { retryDelayMs: 0 });

describe('ApiClient', () => {
  it('sends the Idempotency-Key, and once more with the same key after a connection reset', async () => {
    const { url, seen } = await flakyServer(1);
    const answer = await client(url).request<{ id: number }>('POST', '/api/jobs', { prompt: 'x' }, { idempotencyKey: 'key-1', retryOnReset: true });
    expect(answer).toEqual({ id: 1 });
    expect(seen.map((headers) => headers['idempotency-key'])).toEqual(['key-1', 'key-1']);
  });

  it('retries only once, and not at all unless asked', async () => {
    const twice = await flakyServer(2);
    await expect(client(twice.url).request('POST', '/api/jobs', {}, { idempotencyKey: 'key-2', retryOnReset: true })).rejects.toThrow(ApiClientError);
    expect(twice.seen).toHaveLength(2);
    await new Promise((resolve) => server?.close(resolve));
    const once = await flakyServer(1);
    await expect(client(once.url).request('POST', '/api/jobs', {})).rejects.toMatchObject({ code: 'unreachable' });
    expect(once.seen).toHaveLength(1);
    expect(once.seen[0]?.['idempotency-key']).toBeUndefined();
  });
});

describe('csc job run', () => {
  it('queues with a fresh Idempotency-Key and says at once why a job waits', async () => {
    const master = await startTestMaster();
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => stderr.push(String(chunk)) > 0);
    try {
      const run = async (...args: string[]) => {
        const program = new Command().exitOverride();
        registerJobCommand(program);
        await program.parseAsync(['job', 'run', '--no-follow', '--url', master.httpUrl, '--data-dir', master.config.dataDir, ...args], { from: 'user' });
      };
      await run('--tags', 'gpu', 'train it');
      await run('--node', 'gpu-box', '--queue-timeout', '30', 'on that box');
      expect(stderr).toEqual(['job 1 queued (no connected node has tags gpu)\n', 'job 2 queued (no connected node named gpu-box)\n']);
      expect((await master.jobs.get(2)).queueTimeoutSec).toBe(30);
      const db = new Database(`${master.config.dataDir}/master.db`, { readonly: true });
      const keys = db.prepare('SELECT key, job_id AS jobId FROM job_idempotency_keys ORDER BY job_id').all() as Array<{ key: string; jobId: number }>;
      db.close();
      expect(keys.map((k) => k.jobId)).toEqual([1, 2]);
      for (const { key } of keys) expect(key).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(keys[0]?.key).not.toBe(keys[1]?.key);
    } finally {
      await master.close();
    }
  });
});
