// Incoming webhooks (issue 16): a secret URL that posts as one of your bots to a user or a group,
// with /send's answers; rotation and revocation kill the old URL at once; the secret is hashed at
// rest, never listed and never logged; a stranger's webhook reads as absent.
import { WebhookPaths, type Bot, type CreatedWebhook, type Group, type SendResponse, type WebhooksResponse } from '@messenger/protocol';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appPerFile, bearer, collectMessages, connect, heard, randomName, register, removeDir, startApp, waitFor, type TestApp } from './helpers/app.js';
import { onPostgres } from './helpers/database.js';

const t = appPerFile();

type Account = Awaited<ReturnType<typeof register>>;

async function createBot(owner: Account) {
  const res = await t.app.inject({ method: 'POST', url: '/api/bots', headers: bearer(owner.token), payload: { username: randomName('bot') } });
  if (res.statusCode !== 201) throw new Error(`create bot: ${res.statusCode} ${res.body}`);
  return res.json<Bot>().username;
}

function createHook(owner: Account, body: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: WebhookPaths.webhooks, headers: bearer(owner.token), payload: { name: 'CI', ...body } });
}

async function hookTo(owner: Account, bot: string, target: { user: string } | { group: string }) {
  const res = await createHook(owner, { bot, target });
  if (res.statusCode !== 201) throw new Error(`create webhook: ${res.statusCode} ${res.body}`);
  return res.json<CreatedWebhook>();
}

/** The path of a webhook's URL, as a tool would POST it. */
const pathOf = (hook: { url: string }) => new URL(hook.url).pathname;

function post(url: string, payload: unknown, headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

/** An owner, their bot and a person the bot may post to. */
async function setup() {
  const owner = await register(t);
  const peer = await register(t);
  const bot = await createBot(owner);
  return { owner, peer, bot };
}

describe('posting', () => {
  it('delivers a message from the bot to the target user, with /send\'s 202', async () => {
    const { owner, peer, bot } = await setup();
    const hook = await hookTo(owner, bot, { user: peer.username });
    expect(hook).toMatchObject({ name: 'CI', bot, target: { user: peer.username }, lastUsedAt: null });
    expect(hook.secret).toMatch(/^mwh_[A-Za-z0-9_-]{43}$/);
    expect(hook.url).toBe(`http://localhost:80/hooks/${hook.id}/${hook.secret}`);
    const socket = await connect(t, peer.token);
    const arrived = waitFor(socket, 'message:new', ({ message }) => message.text === 'Build 42 is green');
    const res = await post(pathOf(hook), { text: 'Build 42 is green' });
    expect(res.statusCode, res.body).toBe(202);
    const sent = res.json<SendResponse>();
    const { message } = await arrived;
    expect(message).toMatchObject({ id: sent.id, from: bot, to: peer.username });
    socket.close();
  });

  it('delivers to a group the bot is a member of, and refuses a group it is not in (at creation and at post)', async () => {
    const { owner, peer, bot } = await setup();
    const created = await t.app.inject({ method: 'POST', url: '/api/groups', headers: bearer(owner.token), payload: { name: 'Builds', members: [peer.username, bot] } });
    expect(created.statusCode).toBe(201);
    const group = created.json<Group>().id;
    const hook = await hookTo(owner, bot, { group });
    const socket = await connect(t, peer.token);
    const messages = collectMessages(socket);
    const res = await post(pathOf(hook), { text: 'deployed' });
    expect(res.statusCode, res.body).toBe(202);
    await messages.until(1);
    expect(messages.texts).toEqual(['deployed']);
    const [, payload] = heard(socket).find(([e]) => e === 'message:new') ?? [];
    expect(payload).toMatchObject({ message: { from: bot, group: { id: group, name: 'Builds' } } });
    socket.close();

    // A group the bot is not in: 404 at creation, as for a missing one.
    const foreign = await t.app.inject({ method: 'POST', url: '/api/groups', headers: bearer(peer.token), payload: { name: 'Other', members: [] } });
    const refused = await createHook(owner, { bot, target: { group: foreign.json<Group>().id } });
    expect(refused.statusCode).toBe(404);
    expect(refused.json().error.code).toBe('group_not_found');
    // Once the bot is removed from the group, posts are refused the same way.
    const removed = await t.app.inject({ method: 'DELETE', url: `/api/groups/${group}/members/${bot}`, headers: bearer(owner.token) });
    expect(removed.statusCode).toBe(204);
    const after = await post(pathOf(hook), { text: 'after removal' });
    expect(after.statusCode).toBe(404);
    expect(after.json().error.code).toBe('group_not_found');
  });

  it('honours Idempotency-Key: the same key is the same message; a different text is 409', async () => {
    const { owner, peer, bot } = await setup();
    const hook = await hookTo(owner, bot, { user: peer.username });
    const key = { 'idempotency-key': 'build-42' };
    const first = await post(pathOf(hook), { text: 'once' }, key);
    const again = await post(pathOf(hook), { text: 'once' }, key);
    expect(first.statusCode).toBe(202);
    expect(again.statusCode).toBe(202);
    expect(again.json<SendResponse>().id).toBe(first.json<SendResponse>().id);
    const conflict = await post(pathOf(hook), { text: 'twice' }, key);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('idempotency_conflict');
    // The key is the webhook's own: the bot's other webhook may use it for another message.
    const other = await hookTo(owner, bot, { user: peer.username });
    const elsewhere = await post(pathOf(other), { text: 'twice' }, key);
    expect(elsewhere.statusCode).toBe(202);
    expect(elsewhere.json<SendResponse>().id).not.toBe(first.json<SendResponse>().id);
  });

  it('sets RateLimit-* headers, counting per webhook', async () => {
    const { owner, peer, bot } = await setup();
    const hook = await hookTo(owner, bot, { user: peer.username });
    const res = await post(pathOf(hook), { text: 'counted' });
    expect(res.headers['ratelimit-limit']).toBe(String(t.app.config.limits.webhookPerMinute));
    expect(Number(res.headers['ratelimit-remaining'])).toBe(t.app.config.limits.webhookPerMinute - 1);
    expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
  });
});

describe('the secret URL', () => {
  it('answers 404 not_found for a wrong secret, an unknown or malformed id, before reading the body', async () => {
    const { owner, peer, bot } = await setup();
    const hook = await hookTo(owner, bot, { user: peer.username });
    const wrongSecret = `mwh_${'A'.repeat(43)}`;
    for (const url of [
      WebhookPaths.incoming(hook.id, wrongSecret),
      WebhookPaths.incoming(hook.id, hook.secret.slice(0, -1)),
      WebhookPaths.incoming('00000000-0000-4000-8000-000000000000', hook.secret),
      WebhookPaths.incoming('not-an-id', hook.secret),
    ]) {
      for (const payload of [{ text: 'hi' }, '{not json', { text: 'hi', extra: 1 }]) {
        const res = await post(url, payload);
        expect(res.statusCode, `${url} ${JSON.stringify(payload)}`).toBe(404);
        expect(res.json().error.code).toBe('not_found');
        expect(res.body).not.toContain(hook.secret);
      }
    }
  });

  it('refuses bad bodies with the usual errors: bad JSON 400, unknown fields 400, oversized 413, not JSON 415', async () => {
    const { owner, peer, bot } = await setup();
    const url = pathOf(await hookTo(owner, bot, { user: peer.username }));
    const cases: [unknown, number, string][] = [
      ['{"text": ', 400, 'bad_request'],
      [{ text: 'hi', username: 'spoofed' }, 400, 'validation_failed'],
      [{}, 400, 'validation_failed'],
      [{ text: '' }, 400, 'validation_failed'],
      [{ text: 42 }, 400, 'validation_failed'],
      [{ text: 'x'.repeat(100_000) }, 413, 'payload_too_large'],
    ];
    for (const [payload, status, code] of cases) {
      const res = await post(url, payload);
      expect(res.statusCode, JSON.stringify(payload).slice(0, 40)).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    const form = await t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'text=hi' });
    expect(form.statusCode).toBe(415);
    expect(form.json().error.code).toBe('unsupported_media_type');
  });

  it('rotates: the old URL is dead at once, the new one posts, the webhook keeps its id and its Idempotency-Keys', async () => {
    const { owner, peer, bot } = await setup();
    const hook = await hookTo(owner, bot, { user: peer.username });
    const key = { 'idempotency-key': 'nightly-7' };
    const before = await post(pathOf(hook), { text: 'before' }, key);
    expect(before.statusCode).toBe(202);
    const res = await t.app.inject({ method: 'POST', url: WebhookPaths.rotate(hook.id), headers: bearer(owner.token) });
    expect(res.statusCode, res.body).toBe(200);
    const rotated = res.json<CreatedWebhook>();
    expect(rotated.id).toBe(hook.id);
    expect(rotated.secret).not.toBe(hook.secret);
    expect((await post(pathOf(hook), { text: 'old url' })).statusCode).toBe(404);
    expect((await post(pathOf(rotated), { text: 'new url' })).statusCode).toBe(202);
    // A tool retrying with the new URL after a rotation still gets its first message, not a second.
    const retried = await post(pathOf(rotated), { text: 'before' }, key);
    expect(retried.statusCode).toBe(202);
    expect(retried.json<SendResponse>().id).toBe(before.json<SendResponse>().id);
  });

  it('revokes: the URL is dead at once and the webhook leaves the list', async () => {
    const { owner, peer, bot } = await setup();
    const hook = await hookTo(owner, bot, { user: peer.username });
    const res = await t.app.inject({ method: 'DELETE', url: WebhookPaths.webhook(hook.id), headers: bearer(owner.token) });
    expect(res.statusCode).toBe(204);
    expect((await post(pathOf(hook), { text: 'after revoke' })).statusCode).toBe(404);
    const list = await t.app.inject({ method: 'GET', url: WebhookPaths.webhooks, headers: bearer(owner.token) });
    expect(list.json<WebhooksResponse>().webhooks).toEqual([]);
    const again = await t.app.inject({ method: 'DELETE', url: WebhookPaths.webhook(hook.id), headers: bearer(owner.token) });
    expect(again.statusCode).toBe(404);
  });

  it('dies with its bot', async () => {
    const { owner, peer, bot } = await setup();
    const hook = await hookTo(owner, bot, { user: peer.username });
    expect((await t.app.inject({ method: 'DELETE', url: `/api/bots/${bot}`, headers: bearer(owner.token) })).statusCode).toBe(204);
    expect((await post(pathOf(hook), { text: 'from a deleted bot' })).statusCode).toBe(404);
    const list = await t.app.inject({ method: 'GET', url: WebhookPaths.webhooks, headers: bearer(owner.token) });
    expect(list.json<WebhooksResponse>().webhooks).toEqual([]);
  });
});

describe('the secret at rest and in logs', () => {
  it('lists webhooks without their secret or URL, and records the last use', async () => {
    const { owner, peer, bot } = await setup();
    const hook = await hookTo(owner, bot, { user: peer.username });
    const before = Date.now();
    expect((await post(pathOf(hook), { text: 'used' })).statusCode).toBe(202);
    const list = await t.app.inject({ method: 'GET', url: WebhookPaths.webhooks, headers: bearer(owner.token) });
    expect(list.statusCode).toBe(200);
    const [listed] = list.json<WebhooksResponse>().webhooks;
    expect(listed).toMatchObject({ id: hook.id, name: 'CI', bot, target: { user: peer.username } });
    expect(Date.parse(listed?.lastUsedAt ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(list.body).not.toContain(hook.secret.slice(4));
  });

  it('keeps only the SHA-256 of the secret in its row', async () => {
    const { owner, peer, bot } = await setup();
    const hook = await hookTo(owner, bot, { user: peer.username });
    const row = await t.app.database.db.selectFrom('webhooks').selectAll().where('id', '=', hook.id).executeTakeFirstOrThrow();
    expect(row.secret_hash).toBe(createHash('sha256').update(hook.secret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(hook.secret.slice(4));
  });

  it.skipIf(onPostgres)('leaves no secret in the database file', async () => {
    const { owner, peer, bot } = await setup();
    const hook = await hookTo(owner, bot, { user: peer.username });
    const files = readdirSync(t.dataDir).filter((f) => f.startsWith('messenger.sqlite'));
    const bytes = Buffer.concat(files.map((f) => readFileSync(path.join(t.dataDir, f))));
    expect(bytes.includes(Buffer.from(hook.secret.slice(4)))).toBe(false);
    expect(bytes.includes(Buffer.from(hook.id))).toBe(true);
  });

  it('never writes the secret URL to the log, for a post, a miss or a bad body', async () => {
    const { owner, peer, bot } = await setup();
    const hook = await hookTo(owner, bot, { user: peer.username });
    const from = t.logs.length;
    expect((await post(pathOf(hook), { text: 'logged?' })).statusCode).toBe(202);
    expect((await post(pathOf(hook), '{bad')).statusCode).toBe(400);
    expect((await post(`${pathOf(hook)}x`, { text: 'miss' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: pathOf(hook) })).statusCode).toBe(404);
    const logged = t.logs.slice(from).join('');
    // The requests were logged (so this test can see a leak), with the path cut after /hooks/.
    expect(logged).toContain('/hooks/[redacted]');
    expect(logged).not.toContain(hook.secret.slice(4));
    expect(logged).not.toContain(hook.id);
  });
});

describe('access control', () => {
  it("answers 404 for someone else's webhook and bot, as for missing ones, and lists only your own", async () => {
    const { owner, peer, bot } = await setup();
    const mallory = await register(t);
    const hook = await hookTo(owner, bot, { user: peer.username });
    for (const [method, url] of [
      ['POST', WebhookPaths.rotate(hook.id)],
      ['DELETE', WebhookPaths.webhook(hook.id)],
      ['DELETE', WebhookPaths.webhook('00000000-0000-4000-8000-000000000000')],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: bearer(mallory.token) });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    const steal = await createHook(mallory, { bot, target: { user: mallory.username } });
    expect(steal.statusCode).toBe(404);
    expect(steal.json().error.code).toBe('not_found');
    const list = await t.app.inject({ method: 'GET', url: WebhookPaths.webhooks, headers: bearer(mallory.token) });
    expect(list.json<WebhooksResponse>().webhooks).toEqual([]);
    // The owner's URL still works.
    expect((await post(pathOf(hook), { text: 'still mine' })).statusCode).toBe(202);
  });

  it('needs a signed-in session to manage webhooks: an API token gets 403 insufficient_scope', async () => {
    const { owner, peer, bot } = await setup();
    const token = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(owner.token), payload: { name: 'all', scopes: ['send', 'read', 'receive'] } });
    const secret = token.json<{ secret: string }>().secret;
    const hook = await hookTo(owner, bot, { user: peer.username });
    for (const [method, url, payload] of [
      ['POST', WebhookPaths.webhooks, { name: 'x', bot, target: { user: peer.username } }],
      ['GET', WebhookPaths.webhooks, undefined],
      ['POST', WebhookPaths.rotate(hook.id), undefined],
      ['DELETE', WebhookPaths.webhook(hook.id), undefined],
    ] as const) {
      const res = await t.app.inject({ method, url, headers: bearer(secret), ...(payload ? { payload } : {}) });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('insufficient_scope');
    }
  });

  it('refuses a target that does not exist or is the bot itself', async () => {
    const { owner, bot } = await setup();
    const missing = await createHook(owner, { bot, target: { user: randomName('nobody') } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('recipient_not_found');
    const self = await createHook(owner, { bot, target: { user: bot } });
    expect(self.statusCode).toBe(400);
    expect(self.json().error.code).toBe('validation_failed');
    const both = await createHook(owner, { bot, target: { user: bot, group: '00000000-0000-4000-8000-000000000000' } });
    expect(both.statusCode).toBe(400);
  });
});

describe('OpenAPI', () => {
  it('documents every webhook route; the secret URL needs no session', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
    }>();
    expect(Object.keys(doc.paths['/api/webhooks'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/webhooks/{id}'] ?? {})).toEqual(['delete']);
    expect(Object.keys(doc.paths['/api/webhooks/{id}/rotate'] ?? {})).toEqual(['post']);
    const incoming = doc.paths['/hooks/{id}/{secret}']?.post;
    expect(incoming?.security).toEqual([]);
    expect(Object.keys(incoming?.responses ?? {}).sort()).toEqual(['202', '400', '404', '409', '413', '415', '429', '503']);
  });
});

describe('rate limits per webhook', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await startApp({ WEBHOOK_RATE_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await small?.close();
    if (small) removeDir(small.dataDir);
  });

  it("answers 429 with Retry-After past a webhook's limit while another webhook of the same bot goes on", async () => {
    const owner = await register(small);
    const peer = await register(small);
    const made = await small.app.inject({ method: 'POST', url: '/api/bots', headers: bearer(owner.token), payload: { username: randomName('bot') } });
    const bot = made.json<Bot>().username;
    const make = async () => {
      const res = await small.app.inject({ method: 'POST', url: WebhookPaths.webhooks, headers: bearer(owner.token), payload: { name: 'n', bot, target: { user: peer.username } } });
      expect(res.statusCode).toBe(201);
      return pathOf(res.json<CreatedWebhook>());
    };
    const busy = await make();
    const quiet = await make();
    const send = (url: string) => small.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: { text: 'tick' } });
    const statuses = [];
    let last;
    for (let i = 0; i < 3; i++) {
      last = await send(busy);
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([202, 202, 429]);
    expect(last?.json().error.code).toBe('rate_limited');
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    expect((await send(quiet)).statusCode).toBe(202);
    // Wrong URLs spend their address's budget, not the webhook's: a stranger cannot silence it.
    const strangerBudget = [];
    for (let i = 0; i < 3; i++) strangerBudget.push((await small.app.inject({ method: 'POST', url: `${quiet}x`, remoteAddress: '127.0.0.9', payload: { text: 'x' } })).statusCode);
    expect(strangerBudget).toEqual([404, 404, 429]);
    expect((await send(quiet)).statusCode).toBe(202);
  });
});
