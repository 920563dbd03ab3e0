// Which failed reads TanStack Query tries again. Only failures that may pass: no answer, 5xx,
// 429. A 4xx is the server's answer and a retry repeats it: /c/nosuchuser asked three times over
// ~3 s for a 404, showing a working composer meanwhile (issue 18).
import { ApiError, isRetryable } from '@messenger/client';

/** Retries after the first failure, at most. */
export const QUERY_RETRIES = 2;

export function retryQuery(failureCount: number, error: unknown): boolean {
  if (failureCount >= QUERY_RETRIES) return false;
  if (!(error instanceof ApiError)) return true;
  return error.status >= 500 || isRetryable(error);
}
