import { ApiError } from '@messenger/client';
import { describe, expect, it } from 'vitest';
import { QUERY_RETRIES, retryQuery } from './query-retry';

describe('retryQuery', () => {
  it('never retries an answer the server gave on purpose (4xx)', () => {
    for (const [status, code] of [
      [404, 'recipient_not_found'],
      [404, 'group_not_found'],
      [400, 'validation_failed'],
      [403, 'forbidden'],
      [401, 'unauthorized'],
    ] as const) {
      expect(retryQuery(0, new ApiError(status, code, 'no')), `${status} ${code}`).toBe(false);
    }
  });

  it('retries what may pass, up to QUERY_RETRIES times', () => {
    for (const error of [new ApiError(0, 'network_error', 'offline'), new ApiError(503, 'kafka_unavailable', 'later'), new ApiError(429, 'rate_limited', 'slow'), new ApiError(500, 'internal_error', 'oops'), new TypeError('fetch failed')]) {
      expect(retryQuery(0, error)).toBe(true);
      expect(retryQuery(QUERY_RETRIES - 1, error)).toBe(true);
      expect(retryQuery(QUERY_RETRIES, error)).toBe(false);
    }
  });
});
