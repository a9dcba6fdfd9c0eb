import { describe, expect, it } from 'vitest';
import { FRAME_SAMPLES as samples } from '../test-support/frame-samples.js';
import { FRAME_TYPES, encodeFrame, isJsonFrame, parseFrame } from './index.js';

/** The two envelopes exactly as seed 000 prints them. */
const seedCommand = `{
  "type": "command",
  "source": {
    "platform": "slack",
    "channel": "C12345678",
    "thread_ts": "1729331225.123456",
    "user": "U12345678",
    "user_name": "june"
  },
  "text": "deploy staging"
}`;
const seedResponse = `{
  "type": "response",
  "target": {
    "platform": "telegram",
    "chat_id": 123456789,
    "message_id": 42
  },
  "text": "✅ 스테이징 배포 완료"
}`;

describe('protocol frames', () => {
  it('has a sample of every frame type, so that every test derived from the samples covers it', () => {
    expect(new Set(samples.map((s) => s.type))).toEqual(FRAME_TYPES);
  });

  it.each(samples.map((s) => [s.type, s] as const))('%s round-trips unchanged', (_type, sample) => {
    const parsed = parseFrame(encodeFrame(sample));
    expect(parsed).toEqual({ ok: true, frame: sample });
  });

  it("parses seed 000's command and response envelopes as printed", () => {
    const command = parseFrame(seedCommand);
    expect(command.ok && command.frame).toEqual(JSON.parse(seedCommand));
    const response = parseFrame(seedResponse);
    expect(response.ok && response.frame).toEqual(JSON.parse(seedResponse));
  });

  it('fills defaults so a minimal hello is complete', () => {
    const parsed = parseFrame('{"type":"hello","name":"n1"}');
    expect(parsed).toEqual({
      ok: true,
      frame: {
        type: 'hello',
        role: 'node',
        name: 'n1',
        tags: [],
        protocol: 1,
        capabilities: { slots: 0, executors: [], chat: true },
        runningJobs: [],
      },
    });
  });

  it.each([
    ['{"type":', 'bad_json'],
    ['[1,2]', 'invalid_frame'],
    ['{"text":"no type"}', 'invalid_frame'],
    ['{"type":"teleport"}', 'unknown_type'],
    ['{"type":"hello","name":""}', 'invalid_frame'],
    ['{"type":"command","source":{"platform":"irc"},"text":"x"}', 'invalid_frame'],
    ['{"type":"response","target":{"platform":"telegram"},"text":"x"}', 'invalid_frame'],
  ])('classifies %s as %s', (text, code) => {
    const parsed = parseFrame(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.code).toBe(code);
    expect(!parsed.ok && parsed.message.length).toBeGreaterThan(10);
  });

  it('names the offending field in invalid_frame messages', () => {
    const parsed = parseFrame('{"type":"response","target":{"platform":"telegram"},"text":"x"}');
    expect(!parsed.ok && parsed.message).toContain('target.chat_id');
  });

  it('tells JSON frames from plain chat by the first significant byte', () => {
    const enc = new TextEncoder();
    expect(isJsonFrame(enc.encode('{"type":"chat"}'))).toBe(true);
    expect(isJsonFrame(enc.encode(' \n{'))).toBe(true);
    expect(isJsonFrame(enc.encode('hello {world}'))).toBe(false);
    expect(isJsonFrame(enc.encode('[1]'))).toBe(false);
    expect(isJsonFrame(enc.encode(''))).toBe(false);
  });
});
