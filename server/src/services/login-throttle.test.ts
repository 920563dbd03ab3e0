import { describe, expect, it } from 'vitest';
import { LoginThrottle } from './login-throttle.js';

function throttle(overrides: Partial<ConstructorParameters<typeof LoginThrottle>[0]> = {}) {
  let now = 1_000_000;
  const t = new LoginThrottle({ perAccount: 3, perAddress: 5, windowMs: 60_000, maxTracked: 100, now: () => now, ...overrides });
  return { t, advance: (ms: number) => (now += ms) };
}

describe('LoginThrottle', () => {
  it('blocks after perAccount failures and tells how long until the oldest one leaves the window', () => {
    const { t, advance } = throttle();
    for (let i = 0; i < 3; i++) {
      expect(t.begin('alice', `10.0.0.${i}`).allowed).toBe(true);
      advance(10_000);
    }
    const blocked = t.begin('alice', '10.0.0.9');
    expect(blocked).toEqual({ allowed: false, retryAfterSeconds: 30 });
    advance(30_000);
    expect(t.begin('alice', '10.0.0.9').allowed).toBe(true);
  });

  it('keeps counting at the address when an account succeeds, but forgives that account there', () => {
    const { t } = throttle();
    t.begin('alice', 'a');
    t.begin('alice', 'a');
    const ok = t.begin('alice', 'a');
    if (!ok.allowed) throw new Error('should be allowed');
    t.succeeded(ok.attempt);
    // alice: forgiven at "a"; address "a": two failures remain (the success is not one).
    expect(t.begin('alice', 'a').allowed).toBe(true);
    expect(t.begin('bob', 'a').allowed).toBe(true);
    expect(t.begin('carol', 'a').allowed).toBe(true);
    expect(t.begin('dave', 'a').allowed).toBe(false);
  });

  it('stays bounded: never tracks more than maxTracked accounts or addresses', () => {
    const { t } = throttle({ maxTracked: 50 });
    for (let i = 0; i < 1_000; i++) t.begin(`user${i}`, `addr${i}`);
    expect(t.tracked).toEqual({ accounts: 50, addresses: 50 });
  });
});
