// What the settings page says when the server refuses: its own message, and the stable code a
// script would match on (the `{ error: { code, message } }` body), so both readers get what they need.
import { ApiError } from '../../api/http';

export interface Problem {
  text: string;
  code: string | null;
}

export function describeError(error: unknown): Problem {
  if (!(error instanceof ApiError)) return { text: 'Something went wrong. Please try again.', code: null };
  if (error.code === 'rate_limited' && error.retryAfterSeconds) {
    return { text: `${error.message} Try again in ${error.retryAfterSeconds} s.`, code: error.code };
  }
  return { text: error.message, code: error.code === 'http_error' || error.code === 'network_error' ? null : error.code };
}
