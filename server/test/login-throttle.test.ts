// Login throttling as an attacker meets it: failures are counted per account across addresses
// and per address across accounts, and neither limit spills onto innocent accounts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomName, register, removeDir, startApp, type TestApp } from './helpers/app.js';

const PER_ACCOUNT = 3;
const PER_ADDRESS = 8;

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ LOGIN_RATE_PER_MINUTE: String(PER_ACCOUNT), LOGIN_IP_RATE_PER_MINUTE: String(PER_ADDRESS) });
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
});

let nextAddress = 1;
/** A fresh client address per call site, so tests never share an address's counter. */
const address = () => `198.51.100.${nextAddress++}`;

function login(username: string, password: string, remoteAddress: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress });
}

describe('login throttling', () => {
  it('limits failures per account across addresses, even for the right password, with Retry-After', async () => {
    const victim = await register(t);
    for (let i = 0; i < PER_ACCOUNT; i++) {
      expect((await login(victim.username, `guess number ${i}`, address())).statusCode).toBe(401);
    }
    const blocked = await login(victim.username, victim.password, address());
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('rate_limited');
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it('does not lock other accounts out of an address where one account is attacked', async () => {
    const office = address();
    const victim = await register(t);
    const colleague = await register(t);
    for (let i = 0; i < PER_ACCOUNT + 2; i++) await login(victim.username, `guess number ${i}`, office);
    expect((await login(victim.username, victim.password, office)).statusCode).toBe(429);
    expect((await login(colleague.username, colleague.password, office)).statusCode).toBe(200);
  });

  it('limits failures per address across accounts, looser than per account', async () => {
    const attacker = address();
    const codes: number[] = [];
    for (let i = 0; i < PER_ADDRESS; i++) codes.push((await login(randomName('spray'), 'Summer2024!', attacker)).statusCode);
    expect(codes).toEqual(Array.from({ length: PER_ADDRESS }, () => 401));
    const bystander = await register(t);
    expect((await login(bystander.username, bystander.password, attacker)).statusCode).toBe(429);
    // The same account from another address is unaffected.
    expect((await login(bystander.username, bystander.password, address())).statusCode).toBe(200);
  });

  it('clears an account’s failures from an address when it signs in there', async () => {
    const user = await register(t);
    const home = address();
    const codes: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < PER_ACCOUNT - 1; i++) codes.push((await login(user.username, `typo ${round}.${i}`, home)).statusCode);
      codes.push((await login(user.username, user.password, home)).statusCode);
    }
    expect(codes).toEqual([401, 401, 200, 401, 401, 200, 401, 401, 200]);
  });

  it('treats unknown usernames exactly like known ones', async () => {
    const ghost = randomName('ghost');
    const codes: number[] = [];
    for (let i = 0; i < PER_ACCOUNT + 1; i++) codes.push((await login(ghost, `guess number ${i}`, address())).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
  });

  it('counts concurrent guesses before they are verified, so a burst cannot slip past the limit', async () => {
    const victim = await register(t);
    const burst = await Promise.all(
      Array.from({ length: PER_ACCOUNT * 3 }, (_, i) => login(victim.username, `parallel guess ${i}`, address())),
    );
    const codes = burst.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(PER_ACCOUNT);
    expect(codes.filter((c) => c === 429)).toHaveLength(PER_ACCOUNT * 2);
  });

  it('caps all attempts per address, successes included, since each costs an argon2 hash', async () => {
    const user = await register(t);
    const busy = address();
    const codes: number[] = [];
    for (let i = 0; i < PER_ADDRESS * 2 + 1; i++) codes.push((await login(user.username, user.password, busy)).statusCode);
    expect(codes.slice(0, PER_ADDRESS * 2).every((c) => c === 200)).toBe(true);
    expect(codes.at(-1)).toBe(429);
  });
});
