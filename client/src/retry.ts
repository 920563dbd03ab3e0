// When and how long a send waits before trying again. Hand-written rather than p-retry: the wait
// must come from the server's Retry-After when it gives one, fit a total time budget, and stay
// abortable; with those three, a library's backoff would be the smaller half of this file.
import { ApiError } from './api-error.js';

export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  maxAttempts?: number;
  /** Give up rather than wait past this many ms since the first attempt (default 30 000). */
  maxElapsedMs?: number;
  /** Stops waiting and any request in flight; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Told before each wait: which attempt failed, how, and how long the client will wait. */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  attempt: number;
  error: ApiError;
  delayMs: number;
}

/** 503 (Kafka or the store is away), 429 (rate limit) and no answer at all are worth another try. */
export function isRetryable(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.status === 503 || error.status === 429 || error.code === 'network_error');
}

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 10_000;

/** The server's Retry-After when given; otherwise exponential backoff with jitter (±50 %). */
export function retryDelayMs(error: ApiError, attempt: number, random = Math.random): number {
  if (error.retryAfter !== undefined) return error.retryAfter * 1000;
  const base = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
  return Math.round(base * (0.5 + random()));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs `attempt` until it succeeds, fails for good, or the attempts or time budget run out. */
export async function withRetries<T>(attempt: (n: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const maxElapsedMs = options.maxElapsedMs ?? 30_000;
  const started = Date.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isRetryable(error) || n >= maxAttempts) throw error;
      const delayMs = retryDelayMs(error, n);
      // Waiting past the budget would only fail later: fail now, with the server's answer.
      if (Date.now() - started + delayMs > maxElapsedMs) throw error;
      options.onRetry?.({ attempt: n, error, delayMs });
      await sleep(delayMs, options.signal);
    }
  }
}
