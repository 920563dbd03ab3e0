// The one error every call of the client throws: the server's `{ error: { code, message } }` body,
// checked against the contract, plus the HTTP status and the Retry-After hint.
import { ErrorBody, check, type ErrorCode } from '@messenger/protocol';

/**
 * The server's codes, and three of the client's own: the server could not be reached
 * (`network_error`, status 0), it answered with something that is not an error body of the
 * contract (`http_error`), or a 2xx body that does not match the contract (`invalid_response`).
 */
export type ClientErrorCode = ErrorCode | 'network_error' | 'http_error' | 'invalid_response';

export class ApiError extends Error {
  constructor(
    /** The HTTP status; 0 when no answer arrived. */
    readonly status: number,
    readonly code: ClientErrorCode,
    message: string,
    /** Seconds the server asked to wait before retrying (Retry-After), when it said. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Retry-After is delta-seconds or an HTTP date (RFC 9110 §10.2.3); anything else is ignored. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  // Only an HTTP date: Date.parse alone also takes '-1' (the year -1).
  const at = /GMT$/.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/** The ApiError a non-2xx answer stands for. Reads the body. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  if (check(ErrorBody, body)) return new ApiError(response.status, body.error.code, body.error.message, retryAfter);
  return new ApiError(response.status, 'http_error', `The server answered ${response.status} ${response.statusText}`.trim(), retryAfter);
}
