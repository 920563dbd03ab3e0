import { describe, expect, it } from 'vitest';
import { cachedCheck } from './cached-check.js';

describe('cachedCheck', () => {
  it('shares one call among concurrent callers and reuses its answer for ttlMs', async () => {
    let clock = 0;
    let calls = 0;
    let answer = true;
    const check = cachedCheck(
      async () => {
        calls += 1;
        return answer;
      },
      1000,
      () => clock,
    );
    expect(await Promise.all(Array.from({ length: 100 }, () => check()))).toEqual(Array(100).fill(true));
    expect(calls).toBe(1);
    answer = false;
    clock = 999;
    expect(await check()).toBe(true);
    expect(calls).toBe(1);
    clock = 1000;
    expect(await check()).toBe(false);
    expect(calls).toBe(2);
  });

  it('answers false when the check throws, and checks again after ttlMs', async () => {
    let clock = 0;
    let calls = 0;
    const check = cachedCheck(
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('broker gone');
        return true;
      },
      500,
      () => clock,
    );
    expect(await check()).toBe(false);
    clock = 500;
    expect(await check()).toBe(true);
    expect(calls).toBe(2);
  });
});
