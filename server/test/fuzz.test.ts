// Property-based fuzzing of every HTTP endpoint and socket event: only documented 4xx answers,
// never a 5xx, and the server stays healthy afterwards.
import { GroupApiPaths, IntegrationPaths, WebhookPaths, type Bot, type CreatedApiToken, type CreatedWebhook, type Group } from '@messenger/protocol';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, connect, register, removeDir, startApp, type ClientSocket, type TestApp } from './helpers/app.js';

let t: TestApp;
let token = '';
let peer = '';
/** A group the fuzzing user owns (until the fuzzing makes them leave it), with `peer` in it. */
let group = '';
/** A group the fuzzing user is not in. */
let foreignGroup = '';
let foreignOwner = '';
/** An API token of the fuzzing user (read + receive): every route answers it, at most with 403. */
let apiToken = '';
let fuzzerName = '';
/** One of the fuzzing user's own tokens, and someone else's token and bot. */
let ownTokenId = '';
let foreignTokenId = '';
let foreignTokenSecret = '';
let foreignBot = '';
/** The fuzzing user's bot and webhook, and someone else's webhook with its secret URL. */
let ownBot = '';
let ownHook = '';
let foreignHook = '';
let foreignHookSecret = '';
beforeAll(async () => {
  t = await startApp({ SEND_RATE_PER_MINUTE: '1000000', API_RATE_PER_MINUTE: '1000000', WEBHOOK_RATE_PER_MINUTE: '1000000', SOCKET_EVENTS_PER_SECOND: '10000' });
  const fuzzer = await register(t);
  token = fuzzer.token;
  fuzzerName = fuzzer.username;
  const other = await register(t);
  peer = other.username;
  const create = async (owner: string, members: string[]) => {
    const res = await t.app.inject({ method: 'POST', url: GroupApiPaths.groups, headers: bearer(owner), payload: { name: 'Fuzz', members } });
    if (res.statusCode !== 201) throw new Error(`create group: ${res.statusCode} ${res.body}`);
    return res.json<Group>().id;
  };
  group = await create(token, [peer]);
  foreignGroup = await create(other.token, []);
  foreignOwner = other.token;
  const token_ = async (session: string, scopes: string[]) => {
    const res = await t.app.inject({ method: 'POST', url: IntegrationPaths.tokens, headers: bearer(session), payload: { name: 'fuzz', scopes } });
    if (res.statusCode !== 201) throw new Error(`create token: ${res.statusCode} ${res.body}`);
    return res.json<CreatedApiToken>();
  };
  apiToken = (await token_(token, ['read', 'receive'])).secret;
  ownTokenId = (await token_(token, ['send'])).id;
  const foreign = await token_(other.token, ['send']);
  foreignTokenId = foreign.id;
  foreignTokenSecret = foreign.secret;
  const bot = await t.app.inject({ method: 'POST', url: IntegrationPaths.bots, headers: bearer(other.token), payload: { username: `bot${peer.slice(1, 12)}` } });
  if (bot.statusCode !== 201) throw new Error(`create bot: ${bot.statusCode} ${bot.body}`);
  foreignBot = bot.json<Bot>().username;
  const own = await t.app.inject({ method: 'POST', url: IntegrationPaths.bots, headers: bearer(token), payload: { username: `bot${fuzzerName.slice(1, 12)}` } });
  if (own.statusCode !== 201) throw new Error(`create bot: ${own.statusCode} ${own.body}`);
  ownBot = own.json<Bot>().username;
  const hook = async (session: string, bot: string, to: string) => {
    const res = await t.app.inject({ method: 'POST', url: WebhookPaths.webhooks, headers: bearer(session), payload: { name: 'fuzz', bot, target: { user: to } } });
    if (res.statusCode !== 201) throw new Error(`create webhook: ${res.statusCode} ${res.body}`);
    return res.json<CreatedWebhook>();
  };
  ownHook = (await hook(token, ownBot, peer)).id;
  const foreignHook_ = await hook(other.token, foreignBot, fuzzerName);
  foreignHook = foreignHook_.id;
  foreignHookSecret = foreignHook_.secret;
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
  'GET /api/profiles': [200, 400, 401],
  'PATCH /api/me/profile': [200, 400, 401, 413, 415],
  'PUT /api/me/avatar': [200, 400, 401, 413, 415, 429],
  'DELETE /api/me/avatar': [200, 400, 401, 413, 415],
  'GET /api/users/:username/avatar': [200, 400, 401, 404],
  'GET /api/conversations': [200, 401],
  'GET /api/conversations/:peer/messages': [200, 400, 401, 404],
  'POST /api/conversations/:peer/read': [200, 400, 401, 404, 413, 415],
  'PUT /api/conversations/:peer/mute': [200, 400, 401, 404, 413, 415],
  'PATCH /api/conversations/:peer/settings': [200, 400, 401, 404, 413, 415],
  'GET /api/search': [200, 400, 401, 404],
  'POST /api/groups': [201, 400, 401, 404, 409, 413, 415],
  'GET /api/groups': [200, 401],
  'GET /api/groups/:id': [200, 400, 401, 404],
  'PATCH /api/groups/:id': [200, 400, 401, 403, 404, 413, 415],
  'GET /api/groups/:id/members': [200, 400, 401, 404],
  'POST /api/groups/:id/members': [200, 400, 401, 403, 404, 409, 413, 415],
  'DELETE /api/groups/:id/members/:username': [204, 400, 401, 403, 404, 413, 415],
  'PATCH /api/groups/:id/members/:username': [200, 400, 401, 403, 404, 413, 415],
  'PUT /api/groups/:id/mute': [200, 400, 401, 404, 413, 415],
  'PATCH /api/groups/:id/settings': [200, 400, 401, 404, 413, 415],
  'POST /api/groups/:id/messages': [202, 400, 401, 404, 409, 413, 415, 429, 503],
  'GET /api/groups/:id/messages': [200, 400, 401, 404],
  'POST /api/groups/:id/read': [200, 400, 401, 404, 413, 415],
  'GET /api/groups/:id/messages/:messageId/receipts': [200, 400, 401, 404],
  'POST /api/bots': [201, 400, 401, 403, 409, 413, 415],
  'GET /api/bots': [200, 401],
  'DELETE /api/bots/:username': [204, 400, 401, 404, 413, 415],
  'POST /api/tokens': [201, 400, 401, 403, 404, 413, 415],
  'GET /api/tokens': [200, 401],
  'DELETE /api/tokens/:id': [204, 400, 401, 404, 413, 415],
  'POST /api/webhooks': [201, 400, 401, 403, 404, 413, 415],
  'GET /api/webhooks': [200, 401],
  'POST /api/webhooks/:id/rotate': [200, 400, 401, 404, 413, 415],
  'DELETE /api/webhooks/:id': [204, 400, 401, 404, 413, 415],
  'POST /hooks/:id/:secret': [202, 400, 404, 409, 413, 415, 429, 503],
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
  fc.record({ name: nasty, members: fc.oneof(nasty, fc.array(fc.oneof(nasty, fc.constant('PEER')), { maxLength: 4 })) }, { requiredKeys: [] }),
  fc.record({ usernames: fc.oneof(nasty, fc.array(fc.oneof(nasty, fc.constant('PEER')), { maxLength: 4 })) }, { requiredKeys: [] }),
  fc.record({ role: fc.oneof(nasty, fc.constantFrom('owner', 'admin', 'member')), muted: fc.oneof(nasty, fc.boolean()) }, { requiredKeys: [] }),
  // A conversation's own settings (1:1 and groups).
  fc.record({ pinned: fc.oneof(nasty, fc.boolean()), archived: fc.oneof(nasty, fc.boolean()), markedUnread: fc.oneof(nasty, fc.boolean()), muted: fc.oneof(nasty, fc.boolean()) }, { requiredKeys: [] }),
  // Group-shaped socket payloads (typing:set, focus:set) and group sends.
  fc.record(
    { group: fc.oneof(nasty, fc.uuid(), fc.constant('GROUP')), typing: fc.oneof(nasty, fc.boolean()), peer: fc.oneof(nasty, fc.constant(null)), text: nasty },
    { requiredKeys: [] },
  ),
  // Token and bot creation.
  fc.record(
    {
      name: nasty,
      scopes: fc.oneof(nasty, fc.subarray(['send', 'read', 'receive', 'admin', 'send'])),
      bot: fc.oneof(nasty, fc.constant('FOREIGN_BOT')),
      expiresAt: fc.oneof(nasty, fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
    },
    { requiredKeys: [] },
  ),
  fc.record({ username: fc.oneof(nasty, fc.constant('PEER')), displayName: nasty }, { requiredKeys: [] }),
  // Webhook creation (a target is { user } or { group }).
  fc.record(
    {
      name: nasty,
      bot: fc.oneof(nasty, fc.constantFrom('OWN_BOT', 'FOREIGN_BOT')),
      target: fc.oneof(
        nasty,
        fc.record({ user: fc.oneof(nasty, fc.constant('PEER')) }),
        fc.record({ group: fc.oneof(nasty, fc.uuid(), fc.constant('GROUP')) }),
        fc.record({ user: nasty, group: nasty }, { requiredKeys: [] }),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ maxLength: 12 }), nasty, { maxKeys: 4 }),
  nasty,
);
const segment = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constant('PEER'),
  fc.constant('GROUP'),
  fc.constant('FOREIGN_GROUP'),
  fc.constant('OWN_TOKEN'),
  fc.constant('FOREIGN_TOKEN'),
  fc.constant('FOREIGN_BOT'),
  fc.constant('OWN_HOOK'),
  fc.constant('FOREIGN_HOOK'),
  fc.constant('FOREIGN_HOOK_SECRET'),
  fc.uuid(),
  fc.constant('%2e%2e'),
  fc.constant(''),
);
// Search and history cursors: a query with a named peer or group, and the characters of both
// stores' query syntax.
const queryValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('PEER', 'GROUP', 'FOREIGN_GROUP', '"', '*', 'a OR b', 'NEAR(a b)', "a' & !b:*", 'x'.repeat(201)),
  fc.uuid(),
);
const query = fc.dictionary(fc.constantFrom('q', 'limit', 'before', 'after', 'around', 'peer', 'group', 'usernames', 'v', 'x'), queryValue, { maxKeys: 4 });
const authHeader = fc.oneof(
  fc.constant<string | undefined>(undefined),
  fc.constant('GOOD'),
  fc.constant('TOKEN'),
  fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
  fc.string({ maxLength: 40 }),
);

function qs(q: Record<string, string>): string {
  const named: Record<string, string> = { PEER: peer, GROUP: group, FOREIGN_GROUP: foreignGroup };
  const params = new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, named[v] ?? v])).toString();
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
        segment,
        query,
        authHeader,
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', undefined),
        async (route, payload, seg, seg2, q, auth, contentType) => {
          const [method, pattern] = route.split(' ') as ['GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', string];
          const named = (s: string) =>
            ({
              PEER: peer,
              GROUP: group,
              FOREIGN_GROUP: foreignGroup,
              OWN_TOKEN: ownTokenId,
              FOREIGN_TOKEN: foreignTokenId,
              FOREIGN_BOT: foreignBot,
              OWN_HOOK: ownHook,
              FOREIGN_HOOK: foreignHook,
              FOREIGN_HOOK_SECRET: foreignHookSecret,
            })[s] ?? s;
          const p = named(seg);
          const url =
            pattern
              .replace(':peer', encodeURIComponent(p))
              .replace(':id', encodeURIComponent(p))
              .replace(':username', encodeURIComponent(named(seg2)))
              .replace(':secret', encodeURIComponent(named(seg2)))
              .replace(':messageId', encodeURIComponent(named(seg2))) + qs(q);
          const withPeer = (v: unknown): unknown =>
            v === 'PEER'
              ? peer
              : v === 'FOREIGN_BOT'
                ? foreignBot
                : v === 'OWN_BOT'
                  ? ownBot
                  : v === 'GROUP'
                    ? group
                    : Array.isArray(v)
                      ? v.map(withPeer)
                      : typeof v === 'object' && v !== null
                        ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withPeer(x)]))
                        : v;
          const sent = typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, withPeer(v)])) : payload;
          const headers: Record<string, string> = {};
          // Logging the fuzzing user out would turn every later authenticated case into a 401.
          const logsOut = route === 'POST /api/auth/logout' || route === 'POST /api/auth/logout-everywhere';
          const good = logsOut ? 'Bearer not-the-real-token' : `Bearer ${token}`;
          if (auth !== undefined) headers.authorization = auth === 'GOOD' ? good : auth === 'TOKEN' ? `Bearer ${apiToken}` : auth;
          if (contentType) headers['content-type'] = contentType;
          const res = await t.app.inject({
            method,
            url,
            headers,
            ...(method !== 'GET' ? { payload: typeof sent === 'string' ? sent : JSON.stringify(sent) } : {}),
          });
          expect(res.statusCode, `${method} ${url} → ${res.statusCode} ${res.body}`).toBeLessThan(500);
          const foreignTarget =
            (route === 'DELETE /api/tokens/:id' && seg === 'FOREIGN_TOKEN') ||
            (route === 'DELETE /api/bots/:username' && seg2 === 'FOREIGN_BOT') ||
            ((route === 'DELETE /api/webhooks/:id' || route === 'POST /api/webhooks/:id/rotate') && seg === 'FOREIGN_HOOK');
          // Someone else's token or bot reads as absent: never removed, never "forbidden".
          if (foreignTarget) expect([400, 401, 403, 404, 413, 415], `${method} ${url} → ${res.body}`).toContain(res.statusCode);
          if (foreignTarget && auth === 'GOOD' && res.statusCode === 403) throw new Error(`${url} revealed a foreign id: ${res.body}`);
          if (res.statusCode >= 400) {
            // An empty path segment is another route, or none: 404 too.
            const second = pattern.includes(':username') || pattern.includes(':messageId') || pattern.includes(':secret');
            const empty = (pattern.includes(':peer') || pattern.includes(':id')) && (p === '' || (second && named(seg2) === ''));
            const allowed = [...(documented[route] ?? []), ...(empty ? [404] : []), ...(auth === 'TOKEN' ? [403] : [])];
            expect(allowed, `${method} ${url} → ${res.statusCode} ${res.body}`).toContain(res.statusCode);
            const parsed = res.json<{ error: { code: string; message: string } }>();
            expect(typeof parsed.error.code).toBe('string');
            // Someone else's token or bot reads as absent, never as forbidden.
            if (res.statusCode === 403 && auth === 'TOKEN' && !route.startsWith('PATCH /api/groups')) expect(parsed.error.code).toBe('insufficient_scope');
          }
        },
      ),
      { numRuns: 1500 },
    );
    const health = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(health.statusCode).toBe(200);
    // Nothing of the other user's was revoked or deleted along the way.
    expect((await t.app.inject({ method: 'POST', url: '/send', headers: bearer(foreignTokenSecret), payload: { to: fuzzerName, text: 'still here' } })).statusCode).toBe(202);
    const bots = await t.app.inject({ method: 'GET', url: IntegrationPaths.bots, headers: bearer(foreignOwner) });
    expect(bots.json<{ bots: Bot[] }>().bots.map((b) => b.username)).toEqual([foreignBot]);
    // Nor was their webhook revoked or rotated: its URL still posts.
    const hooked = await t.app.inject({ method: 'POST', url: WebhookPaths.incoming(foreignHook, foreignHookSecret), payload: { text: 'still here' } });
    expect(hooked.statusCode, hooked.body).toBe(202);
  }, 300_000);
});

describe('group routes fuzzing', () => {
  it('never lets anything through to a group the asker is not in, and never answers 5xx', async () => {
    // Well-formed requests (a session, JSON) with arbitrary values, so they reach the handlers:
    // the fuzzing user owns `group` and is a stranger to `foreignGroup`.
    const groupRoutes = Object.keys(documented).filter((r) => r.includes('/api/groups/:id'));
    const value = fc.oneof(nasty, fc.constant('PEER'), fc.uuid(), fc.constantFrom('owner', 'admin', 'member'), fc.boolean());
    // Mostly the field the route reads, so the values reach the handler; sometimes another one.
    const field: Record<string, string> = {
      'PATCH /api/groups/:id': 'name',
      'POST /api/groups/:id/members': 'usernames',
      'PATCH /api/groups/:id/members/:username': 'role',
      'PUT /api/groups/:id/mute': 'muted',
      'PATCH /api/groups/:id/settings': 'pinned',
      'POST /api/groups/:id/messages': 'text',
      'POST /api/groups/:id/read': 'upTo',
    };
    const keyOf = fc.oneof({ weight: 4, arbitrary: fc.constant('') }, fc.constantFrom('name', 'usernames', 'role', 'muted', 'archived', 'markedUnread', 'x'));
    const valueOf = fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 4 }));
    // "." and ".." are dot segments, not ids: every HTTP client and router removes them, so the
    // request is for another path (a route-level 404), never for a group (seed -648381162).
    const notDotSegment = (s: string) => s !== '.' && s !== '..';
    const id = fc.oneof(fc.constant(foreignGroup), fc.constant(group), fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }).filter(notDotSegment));
    const member = fc.oneof(fc.constant(peer), fc.string({ minLength: 1, maxLength: 40 }).filter(notDotSegment), fc.uuid());
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...groupRoutes), id, member, keyOf, valueOf, async (route, gid, username, key, v) => {
        const payload: Record<string, unknown> = { [key || (field[route] ?? 'x')]: v };
        const [method, pattern] = route.split(' ') as ['GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', string];
        const url = pattern
          .replace(':id', encodeURIComponent(gid))
          .replace(':username', encodeURIComponent(username))
          .replace(':messageId', encodeURIComponent(username));
        const withPeer = (v: unknown): unknown => (v === 'PEER' ? peer : Array.isArray(v) ? v.map(withPeer) : v);
        const sent = Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, withPeer(v)]));
        const res = await t.app.inject({
          method,
          url,
          headers: { ...bearer(token), ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
          ...(method === 'GET' || method === 'DELETE' ? {} : { payload: JSON.stringify(sent) }),
        });
        expect(res.statusCode, `${method} ${url} → ${res.statusCode} ${res.body}`).toBeLessThan(500);
        if (res.statusCode >= 400) expect(documented[route], `${method} ${url} → ${res.body}`).toContain(res.statusCode);
        if (gid !== group) {
          // Not the caller's group: refused as absent (or the body refused first), never 403 or 2xx.
          expect([400, 404], `${method} ${url} → ${res.statusCode} ${res.body}`).toContain(res.statusCode);
          if (res.statusCode === 404) expect(res.json<{ error: { code: string } }>().error.code).toBe('group_not_found');
        }
      }),
      { numRuns: 600 },
    );
    const members = await t.app.inject({ method: 'GET', url: GroupApiPaths.members(foreignGroup), headers: bearer(foreignOwner) });
    expect(members.json<{ members: { username: string }[] }>().members.map((m) => m.username)).toEqual([peer]);
    expect((await t.app.inject({ method: 'GET', url: GroupApiPaths.group(foreignGroup), headers: bearer(foreignOwner) })).json<Group>().name).toBe('Fuzz');
  }, 300_000);
});

describe('webhook routes fuzzing', () => {
  it("never rotates, revokes or opens a webhook that is not the asker's, and never answers 5xx", async () => {
    // Well-formed, signed-in requests, so they reach the handlers: the fuzzing user owns `ownHook`.
    const notDotSegment = (s: string) => s !== '.' && s !== '..';
    const id = fc.oneof(fc.constant(foreignHook), fc.constant(ownHook), fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }).filter(notDotSegment));
    const secret = fc.oneof(
      fc.constant(`mwh_${'A'.repeat(43)}`),
      fc.string({ minLength: 1, maxLength: 60 }).filter(notDotSegment),
      fc.constant(foreignHookSecret.slice(0, -1)),
    );
    const action = fc.constantFrom('rotate', 'revoke', 'post');
    await fc.assert(
      fc.asyncProperty(action, id, secret, nasty, async (what, hook, guess, text) => {
        const res =
          what === 'post'
            ? await t.app.inject({ method: 'POST', url: WebhookPaths.incoming(hook, guess), payload: { text } })
            : await t.app.inject({ method: what === 'rotate' ? 'POST' : 'DELETE', url: what === 'rotate' ? WebhookPaths.rotate(hook) : WebhookPaths.webhook(hook), headers: bearer(token) });
        expect(res.statusCode, `${what} ${hook} → ${res.body}`).toBeLessThan(500);
        // Not the caller's webhook, or not its secret: absent, never 403 or 2xx.
        if (what === 'post' || hook !== ownHook) {
          expect(res.statusCode, `${what} ${hook} → ${res.statusCode} ${res.body}`).toBe(404);
          expect(res.json<{ error: { code: string } }>().error.code).toBe('not_found');
        }
      }),
      { numRuns: 300 },
    );
    const hooked = await t.app.inject({ method: 'POST', url: WebhookPaths.incoming(foreignHook, foreignHookSecret), payload: { text: 'still here' } });
    expect(hooked.statusCode, hooked.body).toBe(202);
  }, 300_000);
});

describe('socket fuzzing', () => {
  it('survives arbitrary payloads on every client event and keeps serving', async () => {
    // A fresh user: the HTTP fuzzing may have logged the first one out.
    const socket: ClientSocket = await connect(t, (await register(t)).token);
    const events = ['message:ack', 'typing:set', 'focus:set', 'presence:query', 'no:such:event'] as const;
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...events), body, async (event, raw) => {
        const payload = typeof raw === 'object' && raw !== null && 'group' in raw && raw.group === 'GROUP' ? { ...raw, group } : raw;
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
    // The fuzzing may have left the group: `peer` is then a stranger, either way not online.
    expect(still).toMatchObject({ ok: true, data: { online: [] } });
    socket.close();
  }, 300_000);
});
