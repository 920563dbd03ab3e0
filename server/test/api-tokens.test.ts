// Bot accounts and scoped API tokens (issue 16): scopes per route, the secret shown once and
// stored hashed, expiry, last use, revocation closing the token's sockets, bots without passwords,
// and RateLimit-* headers on every answer.
import type { ApiTokensResponse, Bot, BotsResponse, ConversationsResponse, CreatedApiToken, PeopleResponse } from '@messenger/protocol';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPerFile, bearer, connect, randomName, register, removeDir, send, startApp, waitFor, type TestApp } from './helpers/app.js';
import { onPostgres } from './helpers/database.js';
import { sweepEnded } from '../src/services/housekeeping.js';
import { waitUntil } from './helpers/wait.js';

const t = appPerFile();

async function createToken(session: string, body: Record<string, unknown>) {
  const res = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(session), payload: body });
  if (res.statusCode !== 201) throw new Error(`create token: ${res.statusCode} ${res.body}`);
  return res.json<CreatedApiToken>();
}

async function createBot(session: string, username = randomName('bot')) {
  const res = await t.app.inject({ method: 'POST', url: '/api/bots', headers: bearer(session), payload: { username, displayName: 'Weather' } });
  if (res.statusCode !== 201) throw new Error(`create bot: ${res.statusCode} ${res.body}`);
  return res.json<Bot>();
}

describe('API tokens', () => {
  it('shows the secret once, with a recognisable prefix, and lists the token without it', async () => {
    const me = await register(t);
    const created = await createToken(me.token, { name: 'ci', scopes: ['send'] });
    expect(created.secret).toMatch(/^msk_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: 'ci', scopes: ['send'], username: me.username, expiresAt: null, lastUsedAt: null });
    const list = await t.app.inject({ method: 'GET', url: '/api/tokens', headers: bearer(me.token) });
    expect(list.statusCode).toBe(200);
    const tokens = list.json<ApiTokensResponse>().tokens;
    expect(tokens.map((x) => x.id)).toEqual([created.id]);
    expect(list.body).not.toContain(created.secret);
    expect(list.body).not.toContain(created.secret.slice(4));
  });

  it('keeps only the SHA-256 of the secret in its row', async () => {
    const me = await register(t);
    const created = await createToken(me.token, { name: 'row', scopes: ['send'] });
    const row = await t.app.database.db.selectFrom('api_tokens').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash('sha256').update(created.secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(created.secret.slice(4));
  });

  it.skipIf(onPostgres)('stores only a hash of the secret (the database file holds no secret)', async () => {
    const me = await register(t);
    const created = await createToken(me.token, { name: 'at-rest', scopes: ['read'] });
    // The WAL may hold the newest pages: read every file of the store.
    const files = readdirSync(t.dataDir).filter((f) => f.startsWith('messenger.sqlite'));
    expect(files.length).toBeGreaterThan(0);
    const bytes = Buffer.concat(files.map((f) => readFileSync(path.join(t.dataDir, f))));
    expect(bytes.includes(Buffer.from(created.secret.slice(4)))).toBe(false);
    expect(bytes.includes(Buffer.from(created.name))).toBe(true);
  });

  it('enforces scopes: send without read, read without send, 403 insufficient_scope', async () => {
    const me = await register(t);
    const peer = await register(t);
    const sender = await createToken(me.token, { name: 'sender', scopes: ['send'] });
    const reader = await createToken(me.token, { name: 'reader', scopes: ['read'] });

    expect((await send(t, sender.secret, peer.username, 'by token')).statusCode).toBe(202);
    const refused = await send(t, reader.secret, peer.username, 'not allowed');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('insufficient_scope');

    const history = await t.app.inject({ method: 'GET', url: `/api/conversations/${peer.username}/messages`, headers: bearer(reader.secret) });
    expect(history.statusCode).toBe(200);
    for (const url of ['/api/conversations', `/api/conversations/${peer.username}/messages`, '/api/groups']) {
      const res = await t.app.inject({ method: 'GET', url, headers: bearer(sender.secret) });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error.code, url).toBe('insufficient_scope');
    }

    // A group send needs `send` too.
    const group = await t.app.inject({ method: 'POST', url: '/api/groups', headers: bearer(me.token), payload: { name: 'g', members: [peer.username] } });
    expect(group.statusCode).toBe(201);
    const groupUrl = `/api/groups/${group.json<{ id: string }>().id}/messages`;
    const noSend = await t.app.inject({ method: 'POST', url: groupUrl, headers: bearer(reader.secret), payload: { text: 'x' } });
    expect(noSend.statusCode).toBe(403);
    expect(noSend.json().error.code).toBe('insufficient_scope');
    expect((await t.app.inject({ method: 'POST', url: groupUrl, headers: bearer(sender.secret), payload: { text: 'x' } })).statusCode).toBe(202);
  });

  it('needs a signed-in session to manage tokens, bots or the account: a token cannot mint tokens', async () => {
    const me = await register(t);
    const all = await createToken(me.token, { name: 'all', scopes: ['send', 'read', 'receive'] });
    const attempts = [
      { method: 'POST' as const, url: '/api/tokens', payload: { name: 'x', scopes: ['send'] } },
      { method: 'GET' as const, url: '/api/tokens' },
      { method: 'POST' as const, url: '/api/bots', payload: { username: randomName('bot') } },
      { method: 'POST' as const, url: '/api/auth/logout-everywhere' },
    ];
    for (const a of attempts) {
      const res = await t.app.inject({ ...a, headers: bearer(all.secret) });
      expect(res.statusCode, a.url).toBe(403);
      expect(res.json().error.code, a.url).toBe('insufficient_scope');
    }
  });

  it('refuses a socket without `receive` and accepts one with it', async () => {
    const me = await register(t);
    const sendOnly = await createToken(me.token, { name: 'no-socket', scopes: ['send'] });
    await expect(connect(t, sendOnly.secret)).rejects.toThrow('insufficient_scope');
    const receiver = await createToken(me.token, { name: 'socket', scopes: ['receive'] });
    const socket = await connect(t, receiver.secret);
    socket.close();
  });

  it('stops working at its expiry, and refuses an expiry in the past', async () => {
    const me = await register(t);
    const past = await t.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: bearer(me.token),
      payload: { name: 'old', scopes: ['send'], expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.code).toBe('validation_failed');
    const soon = await createToken(me.token, { name: 'soon', scopes: ['read'], expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(soon.secret) })).statusCode).toBe(200);
    // Bounded: the expiry is 1.5 s away; the cache never outlives it.
    const deadline = Date.now() + 15_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(soon.secret) })).statusCode;
    }
    expect(status).toBe(401);
  });

  it('is refused on the first request after its expiry, though it was checked just before (the session cache ends at the expiry)', async () => {
    const me = await register(t);
    // Well inside SESSION_RECHECK_MS (5 s): a cache trusting the token for the whole period would answer 200 below.
    const expiresAt = Date.now() + 3000;
    const soon = await createToken(me.token, { name: 'edge', scopes: ['read'], expiresAt: new Date(expiresAt).toISOString() });
    const get = () => t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(soon.secret) });
    expect((await get()).statusCode).toBe(200);
    // Waits for the expiry itself, the condition under test.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now() + 5)));
    expect((await get()).statusCode).toBe(401);
  });

  it("closes the token's socket when the token expires", async () => {
    const me = await register(t);
    const soon = await createToken(me.token, { name: 'short', scopes: ['receive'], expiresAt: new Date(Date.now() + 1500).toISOString() });
    const socket = await connect(t, soon.secret);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    expect(await waitFor(socket, 'session:revoked', () => true, 15_000)).toEqual({ reason: 'expired' });
    expect(await closed).toBe('io server disconnect');
  });

  it('records its last use', async () => {
    const me = await register(t);
    const created = await createToken(me.token, { name: 'used', scopes: ['read'] });
    const before = Date.now();
    expect((await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(created.secret) })).statusCode).toBe(200);
    const list = await t.app.inject({ method: 'GET', url: '/api/tokens', headers: bearer(me.token) });
    const used = list.json<ApiTokensResponse>().tokens.find((x) => x.id === created.id);
    expect(used?.lastUsedAt).not.toBeNull();
    expect(Date.parse(used?.lastUsedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    // Coalesced: later uses within the minute write nothing, even when each one is looked up
    // again (the authentication cache dropped in between).
    const hash = createHash('sha256').update(created.secret).digest('hex');
    for (let i = 0; i < 3; i++) {
      t.app.authService.forget([hash]);
      expect((await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(created.secret) })).statusCode).toBe(200);
    }
    const row = await t.app.database.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.last_used_at).toBe(used?.lastUsedAt);
  });

  it('revokes: the token stops working and its open socket closes at once', async () => {
    const me = await register(t);
    const created = await createToken(me.token, { name: 'agent', scopes: ['receive', 'read'] });
    const socket = await connect(t, created.secret);
    const revoked = waitFor(socket, 'session:revoked');
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const res = await t.app.inject({ method: 'DELETE', url: `/api/tokens/${created.id}`, headers: bearer(me.token) });
    expect(res.statusCode).toBe(204);
    await revoked;
    await closed;
    expect((await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(created.secret) })).statusCode).toBe(401);
    const list = await t.app.inject({ method: 'GET', url: '/api/tokens', headers: bearer(me.token) });
    expect(list.json<ApiTokensResponse>().tokens.map((x) => x.id)).not.toContain(created.id);
  });

  it("answers 404 for someone else's token and bot, as for one that does not exist", async () => {
    const alice = await register(t);
    const mallory = await register(t);
    const token = await createToken(alice.token, { name: 'mine', scopes: ['send'] });
    const bot = await createBot(alice.token);
    for (const url of [`/api/tokens/${token.id}`, `/api/bots/${bot.username}`, '/api/tokens/00000000-0000-4000-8000-000000000000']) {
      const res = await t.app.inject({ method: 'DELETE', url, headers: bearer(mallory.token) });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('not_found');
    }
    const forBot = await t.app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: bearer(mallory.token),
      payload: { name: 'steal', scopes: ['send'], bot: bot.username },
    });
    expect(forBot.statusCode).toBe(404);
    expect(forBot.json().error.code).toBe('not_found');
    // Alice's token still works.
    expect((await send(t, token.secret, mallory.username, 'still mine')).statusCode).toBe(202);
  });

  it('sets RateLimit-* headers on every answer, with a budget per token', async () => {
    const me = await register(t);
    const created = await createToken(me.token, { name: 'limits', scopes: ['read'] });
    const res = await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(created.secret) });
    expect(res.headers['ratelimit-limit']).toBe(String(t.app.config.limits.apiPerMinute));
    expect(Number(res.headers['ratelimit-remaining'])).toBe(t.app.config.limits.apiPerMinute - 1);
    expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
    // Refusals too: an unauthenticated answer counts against the address.
    const anonymous = await t.app.inject({ method: 'GET', url: '/api/conversations' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['ratelimit-limit']).toBe(String(t.app.config.limits.apiPerMinute));
    // Per token: the session of the same user has a bucket of its own.
    const other = await createToken(me.token, { name: 'limits-2', scopes: ['read'] });
    const second = await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(other.secret) });
    expect(Number(second.headers['ratelimit-remaining'])).toBe(t.app.config.limits.apiPerMinute - 1);
  });
});

describe('scope matrix', () => {
  // What each scope opens; every other authenticated route is for signed-in sessions only. A new
  // route that names no scope is refused to tokens by default, and this test then expects it.
  const opens: Record<string, string[]> = {
    send: [
      'POST /send',
      'POST /api/groups/{id}/messages',
      'GET /api/me',
      // Message actions are produced like messages.
      'PATCH /api/messages/{id}',
      'DELETE /api/messages/{id}',
      'PUT /api/messages/{id}/reactions/{emoji}',
      'DELETE /api/messages/{id}/reactions/{emoji}',
    ],
    read: [
      'GET /api/me',
      'GET /api/people',
      'GET /api/profiles',
      'GET /api/users/{username}/avatar',
      'GET /api/conversations',
      'GET /api/conversations/{peer}/messages',
      'POST /api/conversations/{peer}/read',
      'GET /api/search',
      'GET /api/groups',
      'GET /api/groups/{id}',
      'GET /api/groups/{id}/members',
      'GET /api/groups/{id}/messages',
      'POST /api/groups/{id}/read',
      'GET /api/groups/{id}/messages/{messageId}/receipts',
    ],
    receive: ['GET /api/me'],
  };

  it('opens to each scope exactly its routes, and refuses the rest before reading the body', async () => {
    const me = await register(t);
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
    }>();
    // Public routes (sign-in, registration) say `security: []`; every other one that can answer
    // 401 authenticates.
    const authenticated = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, op]) => '401' in op.responses && op.security?.length !== 0)
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(authenticated.length).toBeGreaterThan(25);
    for (const scope of ['send', 'read', 'receive'] as const) {
      const { secret } = await createToken(me.token, { name: scope, scopes: [scope] });
      for (const route of authenticated) {
        const [method, path] = route.split(' ') as ['GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', string];
        const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        // An empty body: a route the token may use answers 400/404, one it may not answers 403 first.
        const res = await t.app.inject({ method, url, headers: bearer(secret), ...(method === 'GET' ? {} : { payload: {} }) });
        const allowed = (opens[scope] ?? []).includes(route);
        if (allowed) expect(res.statusCode, `${scope}: ${route} → ${res.body}`).not.toBe(403);
        else {
          expect(res.statusCode, `${scope}: ${route} → ${res.body}`).toBe(403);
          expect(res.json().error.code, `${scope}: ${route}`).toBe('insufficient_scope');
        }
        expect(res.statusCode, `${scope}: ${route}`).not.toBe(401);
      }
    }
  });
});

describe('OpenAPI', () => {
  it('documents every new route, and 403 insufficient_scope on every authenticated one', async () => {
    const spec = await t.app.inject({ method: 'GET', url: '/docs/json' });
    const doc = spec.json<{ paths: Record<string, Record<string, { responses: Record<string, unknown> }>> }>();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/tokens', '/api/tokens/{id}', '/api/bots', '/api/bots/{username}']));
    expect(Object.keys(doc.paths['/api/tokens'] ?? {}).sort()).toEqual(['get', 'post']);
    for (const [path, method] of [['/send', 'post'], ['/api/conversations', 'get'], ['/api/tokens', 'post'], ['/api/me', 'get']] as const) {
      expect(Object.keys(doc.paths[path]?.[method]?.responses ?? {}), `${method} ${path}`).toContain('403');
    }
    // Routes without authentication never answer it.
    expect(Object.keys(doc.paths['/api/auth/login']?.post?.responses ?? {})).not.toContain('403');
  });
});

describe('CORS', () => {
  it('lets an allowed origin revoke a token and delete a bot (DELETE passes the preflight)', async () => {
    const res = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/tokens/00000000-0000-4000-8000-000000000000',
      headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'DELETE' },
    });
    expect(res.statusCode).toBe(204);
    expect(String(res.headers['access-control-allow-methods'])).toContain('DELETE');
  });
});

describe('bot accounts', () => {
  it('creates, lists and deletes a bot; the bot sends with its token; deleting revokes its tokens', async () => {
    const owner = await register(t);
    const peer = await register(t);
    const bot = await createBot(owner.token);
    expect(bot).toMatchObject({ displayName: 'Weather' });
    const list = await t.app.inject({ method: 'GET', url: '/api/bots', headers: bearer(owner.token) });
    expect(list.json<BotsResponse>().bots.map((b) => b.username)).toEqual([bot.username]);

    const token = await createToken(owner.token, { name: 'weather', scopes: ['send', 'receive'], bot: bot.username });
    expect(token.username).toBe(bot.username);
    const sent = await send(t, token.secret, peer.username, 'Rain at 4pm');
    expect(sent.statusCode).toBe(202);
    const me = await t.app.inject({ method: 'GET', url: '/api/me', headers: bearer(token.secret) });
    expect(me.json()).toMatchObject({ username: bot.username, kind: 'bot' });

    const socket = await connect(t, token.secret);
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const del = await t.app.inject({ method: 'DELETE', url: `/api/bots/${bot.username}`, headers: bearer(owner.token) });
    expect(del.statusCode).toBe(204);
    await closed;
    expect((await send(t, token.secret, peer.username, 'after delete')).statusCode).toBe(401);
    const after = await t.app.inject({ method: 'GET', url: '/api/bots', headers: bearer(owner.token) });
    expect(after.json<BotsResponse>().bots).toEqual([]);
    const search = await t.app.inject({ method: 'GET', url: `/api/people?q=${bot.username}`, headers: bearer(peer.token) });
    expect(search.json<PeopleResponse>().users).toEqual([]);
    // The name stays taken: a new account must not inherit the bot's conversations.
    const reuse = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { username: bot.username, password: 'correct horse battery' } });
    expect(reuse.statusCode).toBe(409);
  });

  it('reads as a bot wherever people see accounts: people search and conversations', async () => {
    const owner = await register(t);
    const person = await register(t);
    const bot = await createBot(owner.token);
    const token = await createToken(owner.token, { name: 'hello', scopes: ['send'], bot: bot.username });
    expect((await send(t, token.secret, person.username, 'hello from a bot')).statusCode).toBe(202);
    const found = await t.app.inject({ method: 'GET', url: `/api/people?q=${bot.username}`, headers: bearer(person.token) });
    expect(found.json<PeopleResponse>().users).toEqual([{ username: bot.username, online: false, bot: true, displayName: 'Weather', avatarUrl: null }]);
    const people = await t.app.inject({ method: 'GET', url: `/api/people?q=${owner.username}`, headers: bearer(person.token) });
    expect(people.json<PeopleResponse>().users).toEqual([{ username: owner.username, online: false, displayName: null, avatarUrl: null }]);
    let conversations: ConversationsResponse['conversations'] = [];
    await waitUntil(
      async () => {
        const res = await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(person.token) });
        conversations = res.json<ConversationsResponse>().conversations;
        return conversations.length > 0;
      },
      15_000,
      "the bot's message in the person's conversations",
    );
    expect(conversations.map((c) => [c.peer, c.bot])).toEqual([[bot.username, true]]);
  });

  it('leaves its groups when deleted', async () => {
    const owner = await register(t);
    const person = await register(t);
    const bot = await createBot(owner.token);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/groups',
      headers: bearer(owner.token),
      payload: { name: 'with a bot', members: [person.username, bot.username] },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    const members = async () =>
      (await t.app.inject({ method: 'GET', url: `/api/groups/${id}/members`, headers: bearer(owner.token) }))
        .json<{ members: { username: string }[] }>()
        .members.map((m) => m.username)
        .sort();
    expect(await members()).toContain(bot.username);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/bots/${bot.username}`, headers: bearer(owner.token) })).statusCode).toBe(204);
    expect(await members()).toEqual([owner.username, person.username].sort());
  });

  it('is no recipient once deleted, even right after someone sent to it', async () => {
    const owner = await register(t);
    const person = await register(t);
    const bot = await createBot(owner.token);
    const sendTo = () => t.app.inject({ method: 'POST', url: '/send', headers: bearer(person.token), payload: { to: bot.username, text: 'hello bot' } });
    expect((await sendTo()).statusCode).toBe(202);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/bots/${bot.username}`, headers: bearer(owner.token) })).statusCode).toBe(204);
    const after = await sendTo();
    expect(after.statusCode).toBe(404);
    expect(after.json().error.code).toBe('recipient_not_found');
    const group = await t.app.inject({ method: 'POST', url: '/api/groups', headers: bearer(person.token), payload: { name: 'late', members: [bot.username] } });
    expect(group.statusCode).toBe(404);
  });

  it('cannot sign in with a password', async () => {
    const owner = await register(t);
    const bot = await createBot(owner.token);
    for (const password of ['', 'correct horse battery', '!']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: bot.username, password: password.padEnd(8, 'x') } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('invalid_credentials');
    }
  });

  it('refuses a taken name', async () => {
    const owner = await register(t);
    const other = await register(t);
    const res = await t.app.inject({ method: 'POST', url: '/api/bots', headers: bearer(owner.token), payload: { username: other.username } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('username_taken');
  });
});

describe('rate limits per token', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startApp({ API_RATE_PER_MINUTE: '3' });
  });
  afterAll(async () => {
    await small?.close();
    if (small) removeDir(small.dataDir);
  });

  it('answers 429 with Retry-After past a token\'s limit, while the same user\'s other token and session go on', async () => {
    const me = await register(small);
    const make = async (name: string) => {
      const res = await small.app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(me.token), payload: { name, scopes: ['read'] } });
      expect(res.statusCode).toBe(201);
      return res.json<CreatedApiToken>().secret;
    };
    const busy = await make('busy');
    const quiet = await make('quiet');
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await small.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(busy) });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last?.json().error.code).toBe('rate_limited');
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    expect(last?.headers['ratelimit-remaining']).toBe('0');
    expect((await small.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(quiet) })).statusCode).toBe(200);
    expect((await small.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(me.token) })).statusCode).toBe(200);
  });
});

describe('housekeeping', () => {
  it('forgets a revoked or expired token a week after it ended, and keeps live ones', async () => {
    const me = await register(t);
    const revoked = await createToken(me.token, { name: 'old', scopes: ['send'] });
    const live = await createToken(me.token, { name: 'live', scopes: ['read'] });
    const soon = new Date(Date.now() + 60_000).toISOString();
    const expiring = await createToken(me.token, { name: 'expiring', scopes: ['read'] });
    await t.app.database.db.updateTable('api_tokens').set({ expires_at: soon }).where('id', '=', expiring.id).execute();
    expect((await t.app.inject({ method: 'DELETE', url: `/api/tokens/${revoked.id}`, headers: bearer(me.token) })).statusCode).toBe(204);
    const rows = async () =>
      (await t.app.database.db.selectFrom('api_tokens').select('id').where('created_by', '=', me.username).execute()).map((r) => r.id).sort();

    // Six days on: still there (the week is for someone looking into an incident).
    await sweepEnded(t.app.repos, new Date(Date.now() + 6 * 86_400_000));
    expect(await rows()).toEqual([revoked.id, live.id, expiring.id].sort());

    // Eight days on: both ended tokens are gone; the live one still works.
    const swept = await sweepEnded(t.app.repos, new Date(Date.now() + 8 * 86_400_000));
    expect(swept.tokens).toBeGreaterThanOrEqual(2);
    expect(await rows()).toEqual([live.id]);
    const conversations = await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(live.secret) });
    expect(conversations.statusCode).toBe(200);
  });
});
