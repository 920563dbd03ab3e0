import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, collectMessages, connect, register, removeDir, send, startApp, type TestApp } from './helpers/app.js';

let t: TestApp;
const METRICS_TOKEN = 'ops-test-metrics-token-0123456789';
beforeAll(async () => {
  t = await startApp({ SEND_RATE_PER_MINUTE: '5', LOGIN_RATE_PER_MINUTE: '3', METRICS_TOKEN: METRICS_TOKEN });
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
});

describe('operability', () => {
  it('answers /healthz and /readyz with Kafka, the database and the consumer checked', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { kafka: true, database: true, consumer: true } });
  });

  it('exposes Prometheus metrics for HTTP, produce, delivery, sockets and lag', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const socket = await connect(t, bob.token);
    const inbox = collectMessages(socket);
    await send(t, alice.token, bob.username, 'metric me');
    await inbox.until(1);
    const res = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(METRICS_TOKEN) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const text = res.body;
    for (const name of [
      'http_request_duration_seconds_bucket',
      'kafka_produce_duration_seconds_bucket',
      'message_delivery_latency_seconds_bucket',
      'sockets_online',
      'kafka_consumer_lag{group=',
      'kafka_consumer_consuming{group=',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toContain(name);
    }
    expect(/^sockets_online (\d+)/m.exec(text)?.[1]).toBe('1');
    socket.close();
  });

  it('serves the OpenAPI document and its UI at /docs', async () => {
    const ui = await t.app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(ui.statusCode);
    const spec = await t.app.inject({ method: 'GET', url: '/docs/json' });
    expect(spec.statusCode).toBe(200);
    const doc = spec.json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/send', '/api/conversations', '/api/auth/login']));
  });

  it('sets security headers and never reflects a foreign origin', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'https://evil.example' } });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const ok = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin: 'http://localhost:3000' } });
    expect(ok.headers['access-control-allow-origin']).toBe('http://localhost:3000');
  });

  it('lets an allowed origin send every request header the send routes read (preflight)', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/send',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization,idempotency-key,x-socket-id' },
    });
    expect(res.statusCode).toBe(204);
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(/\s*,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['content-type', 'authorization', 'idempotency-key', 'x-socket-id']));
  });

  it('sends the same full set of security headers on every answer, success or error', async () => {
    const expected = {
      'content-security-policy':
        "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';frame-ancestors 'none';img-src 'self' data:;object-src 'none';script-src 'self';script-src-attr 'none';style-src 'self' 'unsafe-inline';connect-src 'self' ws: wss:",
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'SAMEORIGIN',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    };
    const alice = await register(t);
    const bob = await register(t);
    const answers = [
      await t.app.inject({ method: 'POST', url: '/send', headers: bearer(alice.token), payload: { to: bob.username, text: 'headers' } }),
      await t.app.inject({ method: 'POST', url: '/send', headers: bearer(alice.token), payload: { to: bob.username } }),
      await t.app.inject({ method: 'GET', url: '/no-such-route' }),
      await t.app.inject({ method: 'GET', url: '/healthz' }),
      await t.app.inject({ method: 'POST', url: '/send', payload: { to: bob.username, text: 'no token' } }),
    ];
    expect(answers.map((a) => a.statusCode)).toEqual([202, 400, 404, 200, 401]);
    for (const answer of answers) expect(answer.headers).toMatchObject(expected);
  });

  it('rate-limits /send per user with 429', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const carol = await register(t);
    const codes = [];
    for (let i = 0; i < 7; i++) codes.push((await send(t, alice.token, bob.username, `n${i}`)).statusCode);
    expect(codes.slice(0, 5)).toEqual([202, 202, 202, 202, 202]);
    expect(codes.slice(5)).toEqual([429, 429]);
    const limited = await send(t, alice.token, bob.username, 'again');
    expect(limited.json().error.code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBeDefined();
    // Another user is not affected.
    expect((await send(t, carol.token, bob.username, 'hi')).statusCode).toBe(202);
  });

  it('slows login brute force', async () => {
    const victim = await register(t);
    const codes = [];
    for (let i = 0; i < 5; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: victim.username, password: `guess-${i}-xx` },
      });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 3)).toEqual([401, 401, 401]);
    expect(codes.slice(3)).toEqual([429, 429]);
  });

  it('keeps tokens and passwords out of the logs', async () => {
    const alice = await register(t);
    await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(alice.token) });
    await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: alice.username, password: 'wrong-password-here' } });
    const logs = t.logs.join('');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(alice.token);
    expect(logs).not.toContain(alice.password);
    expect(logs).not.toContain('wrong-password-here');
  });
});
