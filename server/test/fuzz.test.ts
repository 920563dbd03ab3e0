// Property-based fuzzing of every HTTP endpoint and socket event: only documented 4xx answers,
// never a 5xx, and the server stays healthy afterwards.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, register, removeDir, startApp, type ClientSocket, type TestApp } from './helpers/app.js';

let t: TestApp;
let token = '';
let peer = '';
beforeAll(async () => {
  t = await startApp({ SEND_RATE_PER_MINUTE: '1000000', API_RATE_PER_MINUTE: '1000000', SOCKET_EVENTS_PER_SECOND: '10000' });
  token = (await register(t)).token;
  peer = (await register(t)).username;
});
afterAll(async () => {
  await t?.close();
  if (t) removeDir(t.dataDir);
});

const documented: Record<string, number[]> = {
  'POST /send': [202, 400, 401, 404, 409, 413, 415, 429, 503],
  'POST /api/auth/register': [201, 400, 409, 413, 415, 429],
  'POST /api/auth/login': [200, 400, 401, 413, 415, 429],
  'POST /api/auth/logout': [204, 400, 401, 413, 415],
  'POST /api/auth/logout-everywhere': [204, 400, 401, 413, 415],
  'POST /api/auth/password': [204, 400, 401, 413, 415, 429],
  'GET /api/me': [200, 401],
  'GET /api/people': [200, 400, 401],
  'GET /api/conversations': [200, 401],
  'GET /api/conversations/:peer/messages': [200, 400, 401, 404],
  'POST /api/conversations/:peer/read': [200, 400, 401, 404, 413, 415],
};

// Values that tend to break parsers and validators.
const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant('__proto__'),
  fc.constant('<img src=x onerror=alert(1)>'),
  fc.constant("' OR 1=1 --"),
  fc.constant('../../../etc/passwd'),
  fc.constant('%00'),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 3 }),
);
const body = fc.oneof(
  fc.record({ to: nasty, text: nasty }, { requiredKeys: [] }),
  fc.record({ username: nasty, password: nasty }, { requiredKeys: [] }),
  fc.record({ upTo: nasty }, { requiredKeys: [] }),
  fc.dictionary(fc.string({ maxLength: 12 }), nasty, { maxKeys: 4 }),
  nasty,
);
const segment = fc.oneof(fc.string({ maxLength: 40 }), fc.constant('PEER'), fc.constant('%2e%2e'), fc.constant(''));
const query = fc.dictionary(fc.constantFrom('q', 'limit', 'before', 'x'), fc.string({ maxLength: 40 }), { maxKeys: 3 });
const authHeader = fc.oneof(
  fc.constant<string | undefined>(undefined),
  fc.constant('GOOD'),
  fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
  fc.string({ maxLength: 40 }),
);

function qs(q: Record<string, string>): string {
  const params = new URLSearchParams(q).toString();
  return params ? `?${params}` : '';
}

describe('HTTP fuzzing', () => {
  it('answers every request with a documented status and an error body, never 5xx', async () => {
    const routes = Object.keys(documented);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        body,
        segment,
        query,
        authHeader,
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined),
        async (route, payload, seg, q, auth, contentType) => {
          const [method, pattern] = route.split(' ') as ['GET' | 'POST', string];
          const p = seg === 'PEER' ? peer : seg;
          const url = pattern.replace(':peer', encodeURIComponent(p)) + qs(q);
          const headers: Record<string, string> = {};
          // Logging the fuzzing user out would turn every later authenticated case into a 401.
          const logsOut = route === 'POST /api/auth/logout' || route === 'POST /api/auth/logout-everywhere';
          const good = logsOut ? 'Bearer not-the-real-token' : `Bearer ${token}`;
          if (auth !== undefined) headers.authorization = auth === 'GOOD' ? good : auth;
          if (contentType) headers['content-type'] = contentType;
          const res = await t.app.inject({
            method,
            url,
            headers,
            ...(method === 'POST' ? { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) } : {}),
          });
          expect(res.statusCode, `${method} ${url} → ${res.statusCode} ${res.body}`).toBeLessThan(500);
          if (res.statusCode >= 400) {
            const allowed = pattern.includes(':peer') && p === '' ? [...(documented[route] ?? []), 404] : documented[route];
            expect(allowed, `${method} ${url} → ${res.statusCode} ${res.body}`).toContain(res.statusCode);
            const parsed = res.json<{ error: { code: string; message: string } }>();
            expect(typeof parsed.error.code).toBe('string');
          }
        },
      ),
      { numRuns: 1500 },
    );
    const health = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(health.statusCode).toBe(200);
  }, 300_000);
});

describe('socket fuzzing', () => {
  it('survives arbitrary payloads on every client event and keeps serving', async () => {
    // A fresh user: the HTTP fuzzing may have logged the first one out.
    const socket: ClientSocket = await connect(t, (await register(t)).token);
    const events = ['message:ack', 'typing:set', 'focus:set', 'presence:query', 'no:such:event'] as const;
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...events), body, async (event, payload) => {
        if (event === 'message:ack' || event === 'presence:query') {
          const reply = (await socket.timeout(5000).emitWithAck(event as 'presence:query', payload as never)) as {
            ok: boolean;
            error?: { code: string };
          };
          answered += 1;
          if (!reply.ok) expect(['validation_failed', 'rate_limited']).toContain(reply.error?.code);
        } else {
          socket.emit(event as 'typing:set', payload as never);
        }
      }),
      { numRuns: 1000 },
    );
    expect(answered).toBeGreaterThan(0);
    expect(socket.connected).toBe(true);
    const still = await socket.timeout(5000).emitWithAck('presence:query', { usernames: [peer] });
    expect(still).toEqual({ ok: true, data: { online: [] } });
    socket.close();
  }, 300_000);
});
