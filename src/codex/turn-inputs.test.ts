import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { legacyCodexCommand } from '../test-support/codex-legacy.js';
import { useDriverFixture, type DriverFixture } from '../test-support/driver-fixture.js';
import { assistantMessage } from '../test-support/responses-stand-in.js';
import { tempDir } from '../test-support/temp-dir.js';
import { CodexDriver, McpCodexDriver, type RunTurnOptions, type TurnDriver } from './index.js';

/** A valid 1×1 PNG: Codex decodes an image before it sends it, so it must be a real one. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

const app = useDriverFixture((options) => new CodexDriver(options));
const legacy = useDriverFixture((options) => new McpCodexDriver({ command: legacyCodexCommand(), ...options }));

interface ModelRequest {
  input?: unknown;
  reasoning?: { effort?: string } | null;
}

function requestBody(fx: DriverFixture<TurnDriver>, index: number): ModelRequest {
  return fx.standIn.requests[index]?.body ?? {};
}

interface ImageItem {
  type: 'input_image';
  image_url?: string;
}

/** The `input_image` items anywhere in a model request's input (they sit in a message's content). */
function imagesOf(value: unknown): ImageItem[] {
  if (Array.isArray(value)) return value.flatMap(imagesOf);
  if (typeof value !== 'object' || value === null) return [];
  if ((value as { type?: unknown }).type === 'input_image') return [value as ImageItem];
  return Object.values(value).flatMap(imagesOf);
}

async function run(fx: DriverFixture<TurnDriver>, options: Partial<RunTurnOptions>): Promise<string> {
  fx.standIn.enqueue({ output: [assistantMessage('seen')] });
  const result = await fx.driver.runTurn({ cwd: tempDir('csc-inputs-ws-'), prompt: 'look at this', sandbox: 'workspace-write', approvalPolicy: 'never', ...options });
  expect(result).toMatchObject({ status: 'completed', finalMessage: 'seen' });
  return result.threadId;
}

describe('turn inputs with the real codex app-server (0.169)', () => {
  it('sends images as image inputs of the model request, beside the prompt', async () => {
    const image = join(tempDir('csc-inputs-img-'), 'dot.png');
    writeFileSync(image, PNG);
    await run(app, { images: [image] });
    const body = requestBody(app, 0);
    const images = imagesOf(body.input);
    expect(images).toHaveLength(1);
    expect(images[0]?.image_url).toMatch(/^data:image\/png;base64,/);
    expect(JSON.stringify(body.input)).toContain('look at this');
  });

  it('sends the reasoning effort with every turn, a follow-up on the thread its own', async () => {
    const fx = app;
    const threadId = await run(fx, { reasoningEffort: 'high' });
    await run(fx, { threadId, reasoningEffort: 'low' });
    expect(requestBody(fx, 0).reasoning?.effort).toBe('high');
    expect(requestBody(fx, 1).reasoning?.effort).toBe('low');
  });
});

describe('turn inputs with the legacy Codex 0.153.4 mcp-server', () => {
  it('passes the reasoning effort as config, and names the images in the prompt', async () => {
    const fx = legacy;
    const image = join(tempDir('csc-inputs-img-'), 'dot.png');
    writeFileSync(image, PNG);
    await run(fx, { reasoningEffort: 'high', images: [image] });
    const body = requestBody(fx, 0);
    expect(body.reasoning?.effort).toBe('high');
    expect(JSON.stringify(body.input)).toContain(image);
  });
});
