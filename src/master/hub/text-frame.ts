const FIN_TEXT = 0x81;

/**
 * Encodes a complete, unmasked WebSocket text frame (RFC 6455 §5.2). Server-to-client frames are
 * never masked, so one encoding serves every receiver: a relay frames a message once and writes
 * the same bytes to each socket instead of letting `ws` build a frame per receiver.
 */
export function textFrame(payload: Buffer): Buffer {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = FIN_TEXT;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  payload.copy(frame, headerLength);
  return frame;
}
