// Which failed reads TanStack Query tries again. Only failures that may pass: no answer, 5xx,
// 429. A 4xx is the server's answer and a retry repeats it: /c/nosuchuser asked three times over
// ~3 s for a 404, showing a working composer meanwhile (issue 18).
import { ApiError, isRetryable } from '@messenger/client';

/** Retries after the first failure, at most. */
export const QUERY_RETRIES = 2;

/** A failure that may pass: no answer, a 5xx or a 429 (the same request may work later). */
export function mayPass(error: unknown): boolean {
  if (!(error instanceof ApiError)) return true;
  return error.status >= 500 || isRetryable(error);
}

export function retryQuery(failureCount: number, error: unknown): boolean {
  return failureCount < QUERY_RETRIES && mayPass(error);
}
