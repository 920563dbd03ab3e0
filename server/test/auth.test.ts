import type { MeResponse, PeopleResponse } from '@messenger/protocol';
import { describe, expect, it } from 'vitest';
import { appPerFile, bearer, connect, randomName, register, waitFor } from './helpers/app.js';

const t = appPerFile();

describe('accounts', () => {
  it('registers, folds case, and answers /api/me for the token', async () => {
    const name = randomName('Case');
    const { token } = await register(t, name.toUpperCase());
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
    expect(me.statusCode).toBe(200);
    expect(me.json<MeResponse>().username).toBe(name.toLowerCase());
  });

  it('stores argon2id hashes at OWASP parameters, never the password', async () => {
    const { username, password } = await register(t);
    const row = await t.app.repos.users.find(username);
    expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=1\$/);
    const [, m, tc] = /m=(\d+),t=(\d+)/.exec(row?.password_hash ?? '') ?? [];
    expect(Number(m)).toBeGreaterThanOrEqual(19_456);
    expect(Number(tc)).toBeGreaterThanOrEqual(2);
    expect(row?.password_hash).not.toContain(password);
  });

  it('refuses a taken username with 409 and a bad password with 401', async () => {
    const { username } = await register(t);
    const again = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username, password: 'another password' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('username_taken');
    const wrong = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password: 'wrong password' } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error.code).toBe('invalid_credentials');
    const nobody = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: randomName(), password: 'whatever123' } });
    expect(nobody.statusCode).toBe(401);
    expect(nobody.json().error.code).toBe('invalid_credentials');
  });

  it('logs in with a cookie for the web app, and that cookie authenticates', async () => {
    const { username, password } = await register(t);
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
    expect(res.statusCode).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = setCookie.split(';')[0] ?? '';
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: { cookie } });
    expect(me.statusCode).toBe(200);
    // A state change with the cookie but from a foreign origin is not authenticated.
    const csrf = await t.app.inject({
      method: 'POST',
      url: '/send',
      headers: { cookie, origin: 'https://evil.example' },
      payload: { to: username, text: 'x' },
    });
    expect(csrf.statusCode).toBe(401);
  });

  it('revokes the token on logout and closes that session’s sockets', async () => {
    const { token } = await register(t);
    const socket = await connect(t, token);
    const revoked = waitFor(socket, 'session:revoked');
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const out = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) });
    expect(out.statusCode).toBe(204);
    expect((await revoked).reason).toBe('logged out');
    expect(await closed).toBe('io server disconnect');
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
    expect(me.statusCode).toBe(401);
    await expect(connect(t, token)).rejects.toThrow(/unauthorized/);
  });

  it('rejects forged and expired tokens', async () => {
    const forged = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer('A'.repeat(43)) });
    expect(forged.statusCode).toBe(401);
    const { username, token } = await register(t);
    // Expire the session in the store, as time would.
    await t.app.database.db.updateTable('sessions').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('username', '=', username).execute();
    const expired = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token) });
    expect(expired.statusCode).toBe(401);
  });

  it('finds people by prefix, not yourself', async () => {
    const stem = randomName('p');
    const a = await register(t, `${stem}a`);
    await register(t, `${stem}b`);
    const res = await t.app.inject({ method: 'GET', url: `/api/people?q=${stem}`, headers: bearer(a.token) });
    expect(res.statusCode).toBe(200);
    expect(res.json<PeopleResponse>().users.map((u) => u.username)).toEqual([`${stem}b`]);
    const wild = await t.app.inject({ method: 'GET', url: `/api/people?q=%25`, headers: bearer(a.token) });
    expect(wild.json<PeopleResponse>().users).toEqual([]);
  });
});
