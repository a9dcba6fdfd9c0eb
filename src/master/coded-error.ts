import type { ErrorCode } from '../protocol/index.js';

/**
 * A failure to report to the caller with a stable code (`not_found`, `conflict`, ...). The HTTP
 * layer turns the code into a status in one place; domain code never thinks about HTTP.
 */
export class CodedError extends Error {
  override readonly name: string = 'CodedError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
