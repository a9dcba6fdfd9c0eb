export * from './frames.js';
export { encodeFrame, isJsonFrame, parseFrame, type ParseResult } from './parse.js';
