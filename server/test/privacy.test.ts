// Privacy and limits (issue 12, item 8): presence and typing reach only people who share a
// conversation; sockets per user and handshakes per address are capped; /metrics needs a token;
// the default origins are the server's own.
import type { PeopleResponse } from '@messenger/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import {
  bearer,
  connect,
  randomName,
  register,
  removeDir,
  send,
  startApp,
  waitFor,
  type ClientSocket,
  type TestApp,
} from './helpers/app.js';
import { waitUntil } from './helpers/wait.js';

const opened: TestApp[] = [];
async function app(env: Record<string, string> = {}) {
  const t = await startApp(env);
  opened.push(t);
  return t;
}
afterAll(async () => {
  for (const t of opened) {
    await t.close();
    removeDir(t.dataDir);
  }
});


/** A round trip on `socket`: everything the server queued for it before the answer has arrived. */
async function roundTrip(socket: ClientSocket, usernames: string[] = []) {
  return socket.timeout(5_000).emitWithAck('presence:query', { usernames });
}

/** Each sender's typing and message events on a socket, in arrival order. */
function recordOrder(events: string[]) {
  return (socket: ClientSocket) =>
    socket.onAny((event: string, payload: { from?: string; message?: { from: string } }) => {
      if (event === 'typing:update') events.push(`typing from ${payload.from}`);
      if (event === 'message:new') events.push(`message from ${payload.message?.from}`);
    });
}

describe('presence and typing reach only people who share a conversation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await app();
  });

  it('tells presence:query, /api/people and presence:update about peers only', async () => {
    const prefix = randomName('p');
    const bob = await register(t, `${prefix}bob`);
    const alice = await register(t);
    const mallory = await register(t);
    const bobSocket = await connect(t, bob.token);
    expect((await send(t, alice.token, bob.username, 'hi bob')).statusCode).toBe(202);
    await waitFor(bobSocket, 'message:new', (p) => p.message.from === alice.username);

    const aliceSocket = await connect(t, alice.token);
    const mallorySocket = await connect(t, mallory.token);
    expect(await roundTrip(aliceSocket, [bob.username])).toEqual({ ok: true, data: { online: [bob.username], strangers: [] } });
    expect(await roundTrip(mallorySocket, [bob.username])).toEqual({ ok: true, data: { online: [], strangers: [bob.username] } });

    const people = async (token: string) => {
      const res = await t.app.inject({ method: 'GET', url: `/api/people?q=${prefix}`, headers: bearer(token) });
      expect(res.statusCode).toBe(200);
      return res.json<PeopleResponse>().users;
    };
    expect(await people(alice.token)).toEqual([{ username: bob.username, online: true, displayName: null, avatarUrl: null }]);
    expect(await people(mallory.token)).toEqual([{ username: bob.username, online: false, displayName: null, avatarUrl: null }]);

    const mallorySaw: string[] = [];
    mallorySocket.on('presence:update', (p) => mallorySaw.push(p.username));
    bobSocket.close();
    await waitFor(aliceSocket, 'presence:update', (p) => p.username === bob.username && !p.online);
    // The server sends every peer's update in one go, before it answers this later query.
    await roundTrip(mallorySocket);
    expect(mallorySaw).toEqual([]);
    aliceSocket.close();
    mallorySocket.close();
  });

  it('tells two strangers each other’s presence once their first message makes them peers', async () => {
    // The web app asks for presence when a conversation opens; a new conversation's peer is a
    // stranger then (shown neither online nor offline), and nothing used to correct it until a
    // reconnect (a flaky e2e showed it).
    const alice = await register(t);
    const bob = await register(t);
    const aliceSocket = await connect(t, alice.token);
    const bobSocket = await connect(t, bob.token);
    expect(await roundTrip(aliceSocket, [bob.username])).toEqual({ ok: true, data: { online: [], strangers: [bob.username] } });
    const aliceHears = waitFor(aliceSocket, 'presence:update', (p) => p.username === bob.username);
    const bobHears = waitFor(bobSocket, 'presence:update', (p) => p.username === alice.username);
    expect((await send(t, alice.token, bob.username, 'hi, stranger')).statusCode).toBe(202);
    expect(await aliceHears).toEqual({ username: bob.username, online: true });
    expect(await bobHears).toEqual({ username: alice.username, online: true });
    expect(await roundTrip(aliceSocket, [bob.username])).toEqual({ ok: true, data: { online: [bob.username], strangers: [] } });
    aliceSocket.close();
    bobSocket.close();
  });

  it('forwards typing from a stranger only once a conversation exists', async () => {
    const bob = await register(t);
    const mallory = await register(t);
    const order: string[] = [];
    const bobSocket = await connect(t, bob.token, { before: recordOrder(order) });
    const mallorySocket = await connect(t, mallory.token);

    mallorySocket.emit('typing:set', { to: bob.username, typing: true });
    // The typing check and this query run in order on the database: once answered, the typing
    // event has been forwarded or dropped.
    await roundTrip(mallorySocket, [bob.username]);
    expect((await send(t, mallory.token, bob.username, 'hello, stranger')).statusCode).toBe(202);
    await waitFor(bobSocket, 'message:new', (p) => p.message.from === mallory.username);

    mallorySocket.emit('typing:set', { to: bob.username, typing: false });
    await waitFor(bobSocket, 'typing:update', (p) => p.from === mallory.username);
    expect(order).toEqual([`message from ${mallory.username}`, `typing from ${mallory.username}`]);
    bobSocket.close();
    mallorySocket.close();
  });
});

describe('socket limits', () => {
  it('refuses sockets past SOCKETS_PER_USER with too_many_sockets, even when they arrive together', async () => {
    const t = await app({ SOCKETS_PER_USER: '3' });
    const bob = await register(t);
    const attempts = await Promise.allSettled(Array.from({ length: 6 }, () => connect(t, bob.token)));
    const sockets = attempts.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
    const refusals = attempts.flatMap((a) => (a.status === 'rejected' ? [a.reason as Error & { data?: unknown }] : []));
    expect(sockets).toHaveLength(3);
    expect(refusals.map((e) => e.message)).toEqual(['too_many_sockets', 'too_many_sockets', 'too_many_sockets']);
    expect(refusals[0]?.data).toMatchObject({ code: 'too_many_sockets', message: expect.stringContaining('3') });

    // Someone else is not affected, and a closed socket frees its place.
    const eve = await register(t);
    (await connect(t, eve.token)).close();
    sockets[0]?.close();
    await waitUntil(() => t.app.realtime.presence.socketCount(bob.username) === 2, 10_000, 'both of bob’s sockets', 20);
    const again = await connect(t, bob.token);
    await expect(connect(t, bob.token)).rejects.toThrow('too_many_sockets');
    for (const s of [...sockets, again]) s.close();
  });

  it('throttles handshakes per address with rate_limited, bad tokens included', async () => {
    const t = await app({ SOCKET_HANDSHAKES_PER_MINUTE: '4' });
    const bob = await register(t);
    await expect(connect(t, 'not-a-token')).rejects.toThrow('unauthorized');
    await expect(connect(t, 'not-a-token')).rejects.toThrow('unauthorized');
    (await connect(t, bob.token)).close();
    (await connect(t, bob.token)).close();
    const refused = await connect(t, bob.token).then(
      () => undefined,
      (error: Error & { data?: { code: string; retryAfterSeconds: number } }) => error,
    );
    expect(refused?.message).toBe('rate_limited');
    expect(refused?.data?.code).toBe('rate_limited');
    expect(refused?.data?.retryAfterSeconds).toBeGreaterThan(0);
    expect(refused?.data?.retryAfterSeconds).toBeLessThanOrEqual(60);
  });
});

describe('handshake throttling behind a trusted proxy', () => {
  it('keys on the client address the proxy forwards, not on the proxy', async () => {
    const t = await app({ SOCKET_HANDSHAKES_PER_MINUTE: '2', TRUST_PROXY: 'loopback' });
    const bob = await register(t);
    const via = (client: string) => ({ headers: { 'x-forwarded-for': client } });
    (await connect(t, bob.token, via('203.0.113.1'))).close();
    (await connect(t, bob.token, via('203.0.113.1'))).close();
    await expect(connect(t, bob.token, via('203.0.113.1'))).rejects.toThrow('rate_limited');
    // Another client behind the same proxy has a bucket of its own.
    (await connect(t, bob.token, via('203.0.113.2'))).close();
  });
});

describe('/metrics', () => {
  it('does not exist without METRICS_TOKEN', async () => {
    const t = await app();
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('process_resident_memory_bytes');
  });

  it('refuses a malformed METRICS_TOKEN without printing it', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short secret' })).toThrow(/METRICS_TOKEN=\(hidden\)/);
    expect(() => loadConfig({ METRICS_TOKEN: 'short secret' })).not.toThrow(/short secret/);
  });

  it('answers only the METRICS_TOKEN bearer', async () => {
    const token = 'privacy-test-metrics-token-abcdef';
    const t = await app({ METRICS_TOKEN: token });
    const bob = await register(t);
    for (const headers of [{}, bearer('privacy-test-metrics-token-abcdeX'), bearer(bob.token), { authorization: token }]) {
      const res = await t.app.inject({ method: 'GET', url: '/metrics', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'unauthorized' } });
    }
    const ok = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(token) });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('process_resident_memory_bytes');
  });
});

describe('allowed origins by default', () => {
  it('are the server’s own, not the Vite dev server’s', async () => {
    const t = await app({ PORT: '3000' });
    const bob = await register(t);
    for (const origin of ['http://localhost:5173', 'http://127.0.0.1:5173']) {
      await expect(connect(t, bob.token, { origin })).rejects.toThrow();
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin } });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    }
    for (const origin of ['http://localhost:3000', 'http://127.0.0.1:3000']) {
      (await connect(t, bob.token, { origin })).close();
      const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin } });
      expect(res.headers['access-control-allow-origin']).toBe(origin);
    }
  });
});
