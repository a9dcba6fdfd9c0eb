import type { ErrorCode } from '../../protocol/index.js';
import { CodedError } from '../coded-error.js';

/** A failure of the request itself (auth, body), reported as `{"error":{"code","message"}}`. */
export class ApiError extends CodedError {
  override readonly name = 'ApiError';
}

/** The one place an error code becomes an HTTP status. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_json: 400,
  invalid_frame: 400,
  bad_request: 400,
  unknown_type: 400,
  unexpected_frame: 409,
  name_taken: 409,
  conflict: 409,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  node_unavailable: 503,
  node_timeout: 504,
  over_budget: 429,
  internal: 500,
};

/** Framework errors carry a status; give them the code that status stands for. */
export function codeForStatus(status: number): ErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 413) return 'payload_too_large';
  if (status >= 400 && status < 500) return 'bad_request';
  return 'internal';
}

export function errorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } };
}
