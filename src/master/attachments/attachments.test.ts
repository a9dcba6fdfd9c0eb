import { createHash, randomBytes } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ATTACHMENT_PART_BYTES, type Attachment, type SequencedJobEvent } from '../../protocol/index.js';
import { ChangeNode } from '../../test-support/change-node.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { TestClient } from '../../test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../../test-support/test-master.js';

let master: TestMaster;
const clients: Array<{ close(): void }> = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await master.close();
});
afterAll(removeTempDirs);

async function setUp(): Promise<{ node: ChangeNode; bridge: TestClient }> {
  master = await startTestMaster();
  const node = await ChangeNode.connect(master, 'builder');
  const bridge = await TestClient.node(master.wsUrl, master.bridgeToken.value, { name: 'chat', role: 'bridge' });
  clients.push(node, bridge);
  return { node, bridge };
}

function sendParts(bridge: TestClient, requestId: string, data: Buffer, name = 'photo.png', mime = 'image/png'): void {
  const parts = Math.max(1, Math.ceil(data.length / ATTACHMENT_PART_BYTES));
  for (let part = 0; part < parts; part++) {
    const chunk = data.subarray(part * ATTACHMENT_PART_BYTES, (part + 1) * ATTACHMENT_PART_BYTES);
    bridge.sendJson({ type: 'attachment_upload', requestId, name, mime, part, parts, data: chunk.toString('base64') });
  }
}

describe('attachments', () => {
  it('are uploaded by bridges in parts, stored under their SHA-256, and sent to the job\'s node after job_assign', async () => {
    const { node, bridge } = await setUp();
    const data = randomBytes(ATTACHMENT_PART_BYTES * 2 + 1000);
    sendParts(bridge, 'up-1', data);
    const stored = (await bridge.next((f) => f.json?.type === 'attachment_stored')).json as { requestId: string; attachment: Attachment };
    const id = createHash('sha256').update(data).digest('hex');
    expect(stored).toEqual({ type: 'attachment_stored', requestId: 'up-1', attachment: { id, name: 'photo.png', mime: 'image/png', kind: 'image', bytes: data.length } });
    bridge.sendJson({ type: 'job_submit', requestId: 'r1', prompt: 'what is in the photo?', attachments: [stored.attachment], origin: { kind: 'telegram', chatId: 1, userId: 2 } });
    const spec = await node.assigned();
    expect(spec.attachments).toEqual([stored.attachment]);
    const parts: Buffer[] = [];
    for (let part = 0; part < 3; part++) {
      const frame = (await node.client.next((f) => f.json?.type === 'job_attachment' && f.json.part === part)).json as { jobId: number; id: string; parts: number; data: string };
      expect(frame).toMatchObject({ jobId: spec.id, id, parts: 3 });
      parts.push(Buffer.from(frame.data, 'base64'));
    }
    expect(Buffer.concat(parts).equals(data)).toBe(true);
  });

  it('refuses a bad part or an over-limit file with an error carrying the request id', async () => {
    const { bridge } = await setUp();
    bridge.sendJson({ type: 'attachment_upload', requestId: 'up-2', name: 'a.txt', mime: 'text/plain', part: 1, parts: 2, data: 'aGk=' });
    expect((await bridge.next((f) => f.json?.type === 'error')).json).toMatchObject({ code: 'bad_request', requestId: 'up-2', ref: 'attachment_upload' });
    bridge.sendJson({ type: 'attachment_upload', requestId: 'up-3', name: 'a.txt', mime: 'text/plain', part: 0, parts: 1, data: 'not base64!' });
    expect((await bridge.next((f) => f.json?.type === 'error')).json).toMatchObject({ code: 'bad_request', requestId: 'up-3', message: expect.stringContaining('base64') as unknown });
    const big = Buffer.alloc(ATTACHMENT_PART_BYTES + 3).toString('base64');
    bridge.sendJson({ type: 'attachment_upload', requestId: 'up-4', name: 'a.bin', mime: 'application/octet-stream', part: 0, parts: 2, data: big });
    // A part over the limit is not even a frame the protocol takes.
    expect((await bridge.next((f) => f.json?.type === 'error')).json).toMatchObject({ code: 'invalid_frame', ref: 'attachment_upload' });
    sendParts(bridge, 'up-6', Buffer.from('one'), 'a.txt', 'text/plain');
    bridge.sendJson({ type: 'attachment_upload', requestId: 'up-7', name: 'a.txt', mime: 'text/plain', part: 0, parts: 2, data: 'aGk=' });
    bridge.sendJson({ type: 'attachment_upload', requestId: 'up-7', name: 'b.txt', mime: 'text/plain', part: 1, parts: 2, data: 'aGk=' });
    expect((await bridge.next((f) => f.json?.type === 'attachment_stored')).json).toMatchObject({ requestId: 'up-6', attachment: { kind: 'file', bytes: 3 } });
    expect((await bridge.next((f) => f.json?.type === 'error')).json).toMatchObject({ code: 'bad_request', requestId: 'up-7', message: expect.stringContaining('changed the name') as unknown });
    const node = await ChangeNode.connect(master, 'n2');
    clients.push(node);
    node.client.sendJson({ type: 'attachment_upload', requestId: 'up-5', name: 'a.txt', mime: 'text/plain', part: 0, parts: 1, data: 'aGk=' });
    expect((await node.client.next((f) => f.json?.type === 'error')).json).toMatchObject({ code: 'forbidden' });
  });

  it('are uploaded raw through POST /api/attachments and named by POST /api/jobs; an unknown one is a 400', async () => {
    const { node } = await setUp();
    const upload = await master.api('/api/attachments?name=notes.md&mime=text/markdown', { method: 'POST', headers: { 'content-type': 'text/markdown' }, body: '# Notes\n' });
    expect(upload.status).toBe(201);
    const attachment = (await upload.json()) as Attachment;
    expect(attachment).toMatchObject({ name: 'notes.md', kind: 'file', bytes: 8 });
    const made = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'read the notes', attachments: [attachment] }) });
    expect(made.status).toBe(201);
    expect((await node.assigned()).attachments).toEqual([attachment]);
    const part = (await node.client.next((f) => f.json?.type === 'job_attachment')).json as { data: string };
    expect(Buffer.from(part.data, 'base64').toString()).toBe('# Notes\n');
    const unknown = await master.api('/api/jobs', { method: 'POST', body: JSON.stringify({ prompt: 'x', attachments: [{ ...attachment, id: 'f'.repeat(64) }] }) });
    expect(unknown.status).toBe(400);
    // Without a name it is an `attachment`; any content type is the file's bytes, JSON too.
    expect(await (await master.api('/api/attachments', { method: 'POST', body: '{"a":1}' })).json()).toMatchObject({ name: 'attachment', mime: 'application/octet-stream', bytes: 7 });
    expect((await master.api('/api/attachments?surprise=1', { method: 'POST', body: 'x' })).status).toBe(400);
  });

  it('come back from the outbox as file events, which reach the bridge', async () => {
    const { node, bridge } = await setUp();
    bridge.sendJson({ type: 'job_submit', requestId: 'r1', prompt: 'make a chart', origin: { kind: 'telegram', chatId: 1, userId: 2 } });
    const spec = await node.assigned();
    const at = new Date().toISOString();
    const data = Buffer.from('chart').toString('base64');
    const file: SequencedJobEvent = { seq: spec.nextSeq + 1, at, event: { kind: 'file', name: 'chart.png', mime: 'image/png', bytes: 5, part: 0, parts: 1, data } };
    await node.send(spec, [{ seq: spec.nextSeq, at, event: { kind: 'started', executor: 'raw' } }, file]);
    await node.send(spec, [{ seq: spec.nextSeq + 2, at, event: { kind: 'finished', result: { status: 'succeeded', filesChanged: [], commands: [], durationMs: 1 } } }]);
    const updates = [];
    for (;;) {
      const update = (await bridge.next((f) => f.json?.type === 'job_update')).json as { job: { status: string }; events: SequencedJobEvent[] };
      updates.push(...update.events);
      if (update.job.status === 'succeeded') break;
    }
    expect(updates.find((e) => e.event.kind === 'file')).toMatchObject({ event: { name: 'chart.png', data } });
  });
});
