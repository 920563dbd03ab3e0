// What the settings page says when the server refuses: its own message, and the stable code a
// script would match on (the `{ error: { code, message } }` body), so both readers get what they need.
import { ApiError } from '../../api/http';

export interface Problem {
  text: string;
  code: string | null;
}

/** Codes the client makes up when there was no error body of the server's: no use to show. */
const CLIENT_CODES: ReadonlySet<string> = new Set(['network_error', 'http_error', 'invalid_response']);

export function describeError(error: unknown): Problem {
  if (!(error instanceof ApiError)) return { text: 'Something went wrong. Please try again.', code: null };
  const code = CLIENT_CODES.has(error.code) ? null : error.code;
  if (error.code === 'rate_limited' && error.retryAfter) return { text: `${error.message} Try again in ${error.retryAfter} s.`, code };
  return { text: error.message, code };
}
