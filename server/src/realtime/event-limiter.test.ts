import { describe, expect, it } from 'vitest';
import { EventLimiter } from './event-limiter.js';

describe('EventLimiter', () => {
  it('allows a burst, then drops, then asks to disconnect a sustained flood', () => {
    const limiter = new EventLimiter(5, 10);
    const results = Array.from({ length: 100 }, () => limiter.take());
    expect(results.slice(0, 10).every((r) => r === 'ok')).toBe(true);
    expect(results[10]).toBe('drop');
    expect(results.at(-1)).toBe('disconnect');
  });
});
