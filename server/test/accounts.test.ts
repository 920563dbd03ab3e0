// Account self-service: the password policy, changing the password, and signing out everywhere.
import { PASSWORD_PROBLEM_MESSAGES, type SessionResponse } from '@messenger/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commonPasswordCount } from '../src/services/password-policy.js';
import { bearer, connect, randomName, register, removeDir, startApp, waitFor, type ClientSocket, type TestApp } from './helpers/app.js';

const PER_ACCOUNT = 3;

let t: TestApp;
beforeAll(async () => {
  t = await startApp({ LOGIN_RATE_PER_MINUTE: String(PER_ACCOUNT) });
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
});

async function login(username: string, password: string) {
  const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
  return { status: res.statusCode, token: res.statusCode === 200 ? res.json<SessionResponse>().token : '' };
}

function changePassword(token: string, currentPassword: string, newPassword: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/password', headers: bearer(token), payload: { currentPassword, newPassword } });
}

async function me(token: string) {
  return (await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) })).statusCode;
}

function closed(socket: ClientSocket) {
  return new Promise<string>((resolve) => socket.once('disconnect', resolve));
}

describe('password policy', () => {
  it.each([
    ['too short', (_u: string) => 'Ab3$xyz', 'password_too_short'],
    ['blank', (_u: string) => '          ', 'password_too_short'],
    ['the username', (u: string) => u.toUpperCase(), 'password_contains_username'],
    ['containing the username', (u: string) => `My-${u.toUpperCase()}-2024!`, 'password_contains_username'],
    ['a common password', (_u: string) => 'password1', 'password_too_common'],
    ['a common password in other case', (_u: string) => 'QwertyUIOP', 'password_too_common'],
    ['a breached password', (_u: string) => 'iloveyou2', 'password_too_common'],
  ])('refuses a password that is %s, at sign-up, saying which rule', async (_name, make, code) => {
    const username = randomName('pol');
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username, password: make(username) } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toEqual({ code, message: PASSWORD_PROBLEM_MESSAGES[code as keyof typeof PASSWORD_PROBLEM_MESSAGES] });
    expect(await t.app.repos.users.find(username)).toBeUndefined();
  });

  it('checks against at least the 10,000 most common passwords', () => {
    expect(commonPasswordCount()).toBeGreaterThanOrEqual(10_000);
  });

  it('accepts a long passphrase', async () => {
    await expect(register(t, randomName('pol'), 'purple elephant in the kitchen')).resolves.toBeDefined();
  });
});

describe('change password', () => {
  it('needs the current password, applies the policy, and then only the new password works', async () => {
    const user = await register(t);
    const wrong = await changePassword(user.token, 'not my password', 'a brand new passphrase');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
    const common = await changePassword(user.token, user.password, 'password123');
    expect(common.statusCode).toBe(400);
    expect(common.json().error.code).toBe('password_too_common');
    const mine = await changePassword(user.token, user.password, `${user.username}!!`);
    expect(mine.json().error.code).toBe('password_contains_username');
    expect((await login(user.username, user.password)).status).toBe(200);

    const ok = await changePassword(user.token, user.password, 'a brand new passphrase');
    expect(ok.statusCode).toBe(204);
    expect((await login(user.username, user.password)).status).toBe(401);
    expect((await login(user.username, 'a brand new passphrase')).status).toBe(200);
    const row = await t.app.repos.users.find(user.username);
    expect(row?.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('keeps this session and revokes every other one, closing their sockets', async () => {
    const user = await register(t);
    const other = await login(user.username, user.password);
    const otherSocket = await connect(t, other.token);
    const thisSocket = await connect(t, user.token);
    const revoked = waitFor(otherSocket, 'session:revoked');
    const otherClosed = closed(otherSocket);

    expect((await changePassword(user.token, user.password, 'rotated after a scare')).statusCode).toBe(204);
    expect((await revoked).reason).toBe('password changed');
    expect(await otherClosed).toBe('io server disconnect');
    expect(await me(other.token)).toBe(401);
    expect(await me(user.token)).toBe(200);
    expect(thisSocket.connected).toBe(true);
    thisSocket.close();
  });

  it('refuses without a session, and throttles wrong current passwords like logins', async () => {
    const anonymous = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      payload: { currentPassword: 'x', newPassword: 'a brand new passphrase' },
    });
    expect(anonymous.statusCode).toBe(401);
    const user = await register(t);
    const codes: number[] = [];
    for (let i = 0; i < PER_ACCOUNT + 1; i++) codes.push((await changePassword(user.token, `guess ${i}`, 'a brand new passphrase')).statusCode);
    expect(codes).toEqual([401, 401, 401, 429]);
  });
});

describe('sign out everywhere', () => {
  it('revokes every session of the user, this one included, and closes all their sockets', async () => {
    const user = await register(t);
    const bystander = await register(t);
    const second = await login(user.username, user.password);
    const third = await login(user.username, user.password);
    const sockets = await Promise.all([connect(t, user.token), connect(t, second.token), connect(t, third.token)]);
    const bystanderSocket = await connect(t, bystander.token);
    const revoked = sockets.map((s) => waitFor(s, 'session:revoked'));
    const disconnected = sockets.map(closed);

    const res = await t.app.inject({ method: 'POST', url: '/api/auth/logout-everywhere', headers: bearer(second.token) });
    expect(res.statusCode).toBe(204);
    expect((await Promise.all(revoked)).map((p) => p.reason)).toEqual(Array(3).fill('signed out everywhere'));
    expect(await Promise.all(disconnected)).toEqual(Array(3).fill('io server disconnect'));
    for (const token of [user.token, second.token, third.token]) expect(await me(token)).toBe(401);
    await expect(connect(t, third.token)).rejects.toThrow(/unauthorized/);
    expect(await me(bystander.token)).toBe(200);
    expect(bystanderSocket.connected).toBe(true);
    bystanderSocket.close();
  });

  it('needs a session', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout-everywhere' })).statusCode).toBe(401);
  });
});
