import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ATTACHMENT_PART_BYTES, FrameSchema, MAX_ATTACHMENT_BYTES, type Frame } from '../protocol/index.js';
import { GatewayError, MasterGateway } from './index.js';

type UploadFrame = Extract<Frame, { type: 'attachment_upload' }>;

/** A link that keeps what the gateway sends; every frame must pass the protocol's own schema. */
function recordingLink(connected = true) {
  const sent: Frame[] = [];
  return {
    sent,
    link: {
      connected,
      send: (frame: Frame) => {
        sent.push(FrameSchema.parse(JSON.parse(JSON.stringify(frame))));
      },
    },
  };
}

const stored = (requestId: string, bytes: number): Frame => ({
  type: 'attachment_stored',
  requestId,
  attachment: { id: 'b'.repeat(64), name: 'shot.png', mime: 'image/png', kind: 'image', bytes },
});

describe('MasterGateway.upload', () => {
  it('sends a file as attachment_upload parts in order that reassemble to it, and resolves with the stored attachment', async () => {
    const { sent, link } = recordingLink();
    const gateway = new MasterGateway(link);
    const content = Buffer.alloc(ATTACHMENT_PART_BYTES * 2 + 1000, 7);
    const upload = gateway.upload({ name: 'shot.png', mime: 'image/png', kind: 'image', content });
    const parts = sent as UploadFrame[];
    expect(parts.map((p) => [p.part, p.parts, p.name, p.mime])).toEqual([0, 1, 2].map((i) => [i, 3, 'shot.png', 'image/png']));
    expect(new Set(parts.map((p) => p.requestId)).size).toBe(1);
    const joined = Buffer.concat(parts.map((p) => Buffer.from(p.data, 'base64')));
    expect(createHash('sha256').update(joined).digest('hex')).toBe(createHash('sha256').update(content).digest('hex'));
    gateway.receive(stored(parts[0]!.requestId, content.length));
    await expect(upload).resolves.toMatchObject({ name: 'shot.png', bytes: content.length });
  });

  it('sends an empty file as one empty part', () => {
    const { sent, link } = recordingLink();
    void new MasterGateway(link).upload({ name: 'empty.txt', mime: 'text/plain', kind: 'file', content: Buffer.alloc(0) }).catch(() => undefined);
    expect(sent).toMatchObject([{ type: 'attachment_upload', part: 0, parts: 1, data: '' }]);
  });

  it('refuses a file over the limit without sending it, saying the limit', async () => {
    const { sent, link } = recordingLink();
    const upload = new MasterGateway(link).upload({ name: 'big.bin', mime: 'application/octet-stream', kind: 'file', content: Buffer.alloc(MAX_ATTACHMENT_BYTES + 1) });
    await expect(upload).rejects.toThrow(/big\.bin is 20 MB; files up to 20 MB/);
    expect(sent).toEqual([]);
  });

  it("rejects with the master's error for the upload, and gives up after its timeout", async () => {
    const { sent, link } = recordingLink(false);
    const gateway = new MasterGateway(link, { uploadTimeoutMs: 100 });
    const refused = gateway.upload({ name: 'a.txt', mime: 'text/plain', kind: 'file', content: Buffer.from('hi') });
    const requestId = (sent[0] as UploadFrame).requestId;
    expect(gateway.receive({ type: 'error', code: 'payload_too_large', message: 'that file is too large', requestId })).toBe(true);
    await expect(refused).rejects.toThrow(GatewayError);
    await expect(refused).rejects.toMatchObject({ code: 'payload_too_large', message: 'that file is too large' });
    const late = gateway.upload({ name: 'b.txt', mime: 'text/plain', kind: 'file', content: Buffer.from('hi') });
    await expect(late).rejects.toThrow('b.txt was not stored: the master is out of reach (no answer within 0.1 s)');
    // The late answer finds nobody waiting.
    expect(gateway.receive(stored((sent[1] as UploadFrame).requestId, 2))).toBe(true);
  });
});

describe('MasterGateway.usage and status', () => {
  it('asks with usage_request for the asker and resolves with the report and today', async () => {
    const { sent, link } = recordingLink();
    const gateway = new MasterGateway(link);
    const usage = gateway.usage({ platform: 'telegram', chatId: '-100', userId: '42' }, 7);
    const request = sent[0] as Extract<Frame, { type: 'usage_request' }>;
    expect(request).toMatchObject({ type: 'usage_request', platform: 'telegram', chatId: '-100', userId: '42', days: 7 });
    const tokens = { input: 9, output: 1, total: 10 };
    const row = { key: '2026-01-01', jobs: 1, tokens };
    const report = { from: '2025-12-26', to: '2026-01-01', total: { jobs: 1, tokens }, days: [row], users: [], chats: [], nodes: [], budgets: { userDaily: 100 } };
    gateway.receive({ type: 'usage', requestId: request.requestId, report, today: { user: tokens, chat: tokens, master: tokens } });
    await expect(usage).resolves.toEqual({ report, today: { user: tokens, chat: tokens, master: tokens } });
  });

  it("passes the master's profiles on with the status", async () => {
    const { sent, link } = recordingLink();
    const gateway = new MasterGateway(link);
    const status = gateway.status();
    const { requestId } = sent[0] as Extract<Frame, { type: 'status_request' }>;
    const master = { version: 't', startedAt: '2026-01-01T00:00:00.000Z', queued: 0, active: 0 };
    gateway.receive({ type: 'status', requestId, master, nodes: [], profiles: [{ name: 'fast', model: 'gpt-5.5-mini' }] });
    await expect(status).resolves.toEqual({ master, nodes: [], profiles: [{ name: 'fast', model: 'gpt-5.5-mini' }] });
  });
});
