import type { z } from 'zod';
import { FRAME_TYPES, FrameSchema, type ErrorCode, type Frame } from './frames.js';

export type ParseResult =
  | { ok: true; frame: Frame }
  | { ok: false; code: ErrorCode; message: string; ref?: string };

const OPEN_BRACE = 0x7b;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Whether a text frame is meant as a protocol frame. Anything else is the seed's plain-text chat,
 * which is relayed byte for byte and never parsed, so this looks at the first significant byte only.
 */
export function isJsonFrame(data: Uint8Array): boolean {
  for (let i = 0; i < data.length; i++) {
    const byte = data[i] as number;
    if (!WHITESPACE.has(byte)) return byte === OPEN_BRACE;
  }
  return false;
}

/** Parses and validates one JSON frame, classifying failures into stable error codes. */
export function parseFrame(text: string): ParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: 'bad_json', message: `frame is not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: 'invalid_frame', message: 'a frame must be a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return { ok: false, code: 'invalid_frame', message: 'a frame needs a string "type" field' };
  }
  if (!FRAME_TYPES.has(type)) {
    return { ok: false, code: 'unknown_type', message: `unknown frame type "${type}"`, ref: type };
  }
  const result = FrameSchema.safeParse(value);
  if (!result.success) {
    return { ok: false, code: 'invalid_frame', message: `invalid ${type} frame: ${describeIssues(result.error)}`, ref: type };
  }
  return { ok: true, frame: result.data };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(frame)'}: ${issue.message}`)
    .join('; ');
}

/** Serializes a frame for the wire. Frames are built from the inferred types, so no re-validation. */
export function encodeFrame(frame: Frame): string {
  return JSON.stringify(frame);
}
