import { describe, expect, it } from 'vitest';
import { ApiError, parseRetryAfter } from './api-error.js';
import { retryDelayMs, withRetries } from './retry.js';

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores the rest', () => {
    const now = Date.parse('2026-11-30T07:00:00Z');
    expect(parseRetryAfter('5', now)).toBe(5);
    expect(parseRetryAfter('Mon, 30 Nov 2026 07:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter('Mon, 30 Nov 2026 06:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('retryDelayMs', () => {
  it("takes the server's hint, else doubles from 0.5 s with ±50 % jitter up to 10 s", () => {
    expect(retryDelayMs(new ApiError(503, 'kafka_unavailable', '', 3), 1)).toBe(3000);
    const plain = new ApiError(0, 'network_error', '');
    expect(retryDelayMs(plain, 1, () => 0.5)).toBe(500);
    expect(retryDelayMs(plain, 3, () => 0)).toBe(1000);
    expect(retryDelayMs(plain, 30, () => 1)).toBe(15_000);
  });
});

describe('withRetries', () => {
  it('stops after maxAttempts and rethrows the last error; never retries a 4xx', async () => {
    let calls = 0;
    const unavailable = () => {
      calls++;
      return Promise.reject(new ApiError(503, 'kafka_unavailable', 'down', 0));
    };
    await expect(withRetries(unavailable, { maxAttempts: 3 })).rejects.toMatchObject({ code: 'kafka_unavailable' });
    expect(calls).toBe(3);
    calls = 0;
    const bad = () => {
      calls++;
      return Promise.reject(new ApiError(400, 'validation_failed', 'bad'));
    };
    await expect(withRetries(bad, { maxAttempts: 3 })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(calls).toBe(1);
  });
});
