// Muting a 1:1 conversation (PUT /api/conversations/:peer/mute): the owner's own setting, kept on
// the server, listed in GET /api/conversations (even for a peer with no message yet, or one past
// the list's most recent), and pushed as `conversation:update` to every socket of the owner and
// nobody else. Session only: no API token scope names it.
import { ApiPaths, ConversationUpdate, ConversationsResponse, MAX_MUTED_CONVERSATIONS, type ErrorBody } from '@messenger/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { describe, expect, it } from 'vitest';
import { NO_SETTINGS } from '../src/db/conversation-settings.repository.js';
import { appPerFile, bearer, connect, heard, register, send, waitFor } from './helpers/app.js';
import { waitUntil } from './helpers/wait.js';

const t = appPerFile({ API_RATE_PER_MINUTE: '100000' });

const isList = TypeCompiler.Compile(ConversationsResponse);
const isUpdate = TypeCompiler.Compile(ConversationUpdate);

type User = Awaited<ReturnType<typeof register>>;

/** Every setting off, as a conversation:update or a listed conversation says it. */
const unset = { muted: false, pinned: false, archived: false, markedUnread: false };

function mute(user: User | string, peer: string, payload: unknown, headers: Record<string, string> = {}) {
  const token = typeof user === 'string' ? user : user.token;
  return t.app.inject({ method: 'PUT', url: ApiPaths.mute(peer), headers: { ...bearer(token), ...headers }, payload: payload as object });
}

async function conversations(user: User | string) {
  const token = typeof user === 'string' ? user : user.token;
  const res = await t.app.inject({ method: 'GET', url: ApiPaths.conversations, headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<ConversationsResponse>();
  expect(isList.Check(body), res.body).toBe(true);
  return body.conversations;
}

describe('PUT /api/conversations/:peer/mute', () => {
  it('mutes for the asker only, idempotently, and GET /api/conversations says so', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    expect((await send(t, bob.token, alice.username, 'hi')).statusCode).toBe(202);
    // The list comes from the history store, which a 202 does not wait for.
    await waitUntilListed(alice, bob.username);
    expect((await conversations(alice)).find((c) => c.peer === bob.username)?.muted).toBe(false);

    for (let i = 0; i < 2; i++) {
      const res = await mute(alice, bob.username.toUpperCase(), { muted: true });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ peer: bob.username, ...unset, muted: true });
    }
    expect((await conversations(alice)).find((c) => c.peer === bob.username)).toMatchObject({ muted: true, unread: 1 });
    // bob's view of the same conversation is his own.
    expect((await conversations(bob)).find((c) => c.peer === alice.username)?.muted).toBe(false);

    for (let i = 0; i < 2; i++) expect((await mute(alice, bob.username, { muted: false })).json()).toEqual({ peer: bob.username, ...unset });
    expect((await conversations(alice)).find((c) => c.peer === bob.username)?.muted).toBe(false);
  });

  it('lists a peer muted before any message, and a muted one past the most recent 200', async () => {
    const alice = await register(t);
    const quiet = await register(t);
    expect((await mute(alice, quiet.username, { muted: true })).statusCode).toBe(200);
    expect(await conversations(alice)).toEqual([{ peer: quiet.username, online: false, unread: 0, ...unset, muted: true, lastMessage: null, displayName: null, avatarUrl: null }]);
    // Once it writes, it is an ordinary (muted) conversation with its last message.
    expect((await send(t, quiet.token, alice.username, 'first')).statusCode).toBe(202);
    await waitUntilListed(alice, quiet.username, (c) => c.lastMessage?.text === 'first');
    expect((await conversations(alice)).find((c) => c.peer === quiet.username)).toMatchObject({ muted: true, unread: 1 });
    // Past the list's most recent (200 in the route; 1 here): a newer conversation pushes the muted
    // one out of the first `limit`, and it is still listed, after them, with its last message.
    const chatty = await register(t);
    expect((await send(t, chatty.token, alice.username, 'newer')).statusCode).toBe(202);
    await waitUntilListed(alice, chatty.username);
    const listed = await t.app.conversationsService.list(alice.username, 1);
    expect(listed.map((c) => [c.peer, c.muted, c.lastMessage?.text])).toEqual([
      [chatty.username, false, 'newer'],
      [quiet.username, true, 'first'],
    ]);
  });

  it('answers 404 for an unknown peer, 400 for bad bodies and for yourself, 401 without a session', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const code = (res: { json: <T>() => T }) => res.json<ErrorBody>().error.code;
    const unknown = await mute(alice, 'nobody-here-at-all', { muted: true });
    expect([unknown.statusCode, code(unknown)]).toEqual([404, 'not_found']);
    const invalid = await mute(alice, '..%2F', { muted: true });
    expect(invalid.statusCode).toBe(404);
    for (const body of [{}, { muted: 'yes' }, { muted: 1 }, { muted: null }, { muted: true, x: 1 }, [true]]) {
      const res = await mute(alice, bob.username, body);
      expect([res.statusCode, code(res)], JSON.stringify(body)).toEqual([400, 'validation_failed']);
    }
    const bad = await t.app.inject({ method: 'PUT', url: ApiPaths.mute(bob.username), headers: { ...bearer(alice.token), 'content-type': 'application/json' }, payload: '{"muted":' });
    expect(bad.statusCode).toBe(400);
    const self = await mute(alice, alice.username, { muted: true });
    expect([self.statusCode, code(self)]).toEqual([400, 'bad_request']);
    const anonymous = await t.app.inject({ method: 'PUT', url: ApiPaths.mute(bob.username), payload: { muted: true } });
    expect([anonymous.statusCode, code(anonymous)]).toEqual([401, 'unauthorized']);
    expect(await conversations(alice)).toEqual([]);
  });

  it('refuses every API token (session only, like a group mute), whatever its scopes; a read token still sees the setting', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const created = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(alice.token), payload: { name: 'all', scopes: ['send', 'read', 'receive'] } });
    expect(created.statusCode, created.body).toBe(201);
    const { secret } = created.json<{ secret: string }>();
    const res = await mute(secret, bob.username, { muted: true });
    expect([res.statusCode, res.json<ErrorBody>().error.code]).toEqual([403, 'insufficient_scope']);
    expect(await conversations(alice)).toEqual([]);
    expect((await mute(alice, bob.username, { muted: true })).statusCode).toBe(200);
    expect((await conversations(secret)).map((c) => [c.peer, c.muted])).toEqual([[bob.username, true]]);
  });

  it(`caps the muted list at ${MAX_MUTED_CONVERSATIONS}`, async () => {
    // Reaching the cap through the route would take a thousand accounts: fill the table directly.
    const alice = await register(t);
    const peers = [await register(t), await register(t)];
    const others = Array.from({ length: MAX_MUTED_CONVERSATIONS }, (_, i) => `filler${i}`);
    await t.app.database.db
      .insertInto('users')
      .values(others.map((username) => ({ username, password_hash: 'x', created_at: new Date().toISOString() })))
      .onConflict((oc) => oc.column('username').doNothing())
      .execute();
    expect((await mute(alice, peers[0]!.username, { muted: true })).statusCode).toBe(200);
    const now = new Date().toISOString();
    for (const username of others.slice(1)) await t.app.repos.conversationSettings.put(alice.username, { peer: username, ...NO_SETTINGS, muted_at: now });
    const over = await mute(alice, peers[1]!.username, { muted: true });
    expect([over.statusCode, over.json<ErrorBody>().error.code]).toEqual([400, 'bad_request']);
    // Muting one already muted, and unmuting, still work at the cap.
    expect((await mute(alice, peers[0]!.username, { muted: true })).statusCode).toBe(200);
    expect((await mute(alice, peers[0]!.username, { muted: false })).statusCode).toBe(200);
    expect((await mute(alice, peers[1]!.username, { muted: true })).statusCode).toBe(200);
  });
});

describe('conversation:update', () => {
  it("reaches every socket of the asker, at once, and nobody else's", async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const tab = await connect(t, alice.token);
    const otherTab = await connect(t, alice.token);
    const bobs = await connect(t, bob.token);
    try {
      const heardBoth = [tab, otherTab].map((s) => waitFor(s, 'conversation:update', (u) => u.peer === bob.username && u.muted));
      expect((await mute(alice, bob.username, { muted: true })).statusCode).toBe(200);
      for (const update of await Promise.all(heardBoth)) expect(isUpdate.Check(update)).toBe(true);
      const unmuted = waitFor(otherTab, 'conversation:update', (u) => u.peer === bob.username && !u.muted);
      expect((await mute(alice, bob.username, { muted: false })).statusCode).toBe(200);
      await unmuted;
      // A later event bob does hear (alice's message) proves the mute pushes were not just slow to reach him.
      expect((await send(t, alice.token, bob.username, 'after')).statusCode).toBe(202);
      await waitFor(bobs, 'message:new', (m) => m.message.text === 'after');
      expect(heard(bobs).filter(([event]) => event === 'conversation:update')).toEqual([]);
    } finally {
      for (const s of [tab, otherTab, bobs]) s.close();
    }
  });
});

async function waitUntilListed(user: User, peer: string, match: (c: ConversationsResponse['conversations'][number]) => boolean = () => true) {
  await waitUntil(async () => (await conversations(user)).some((c) => c.peer === peer && match(c)), 15_000, `${peer} in ${user.username}'s conversations`);
}

describe('OpenAPI', () => {
  it('documents the route under conversations, with its answers', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown> }>>;
    }>();
    const op = spec.paths['/api/conversations/{peer}/mute']?.put;
    expect(op?.tags).toEqual(['conversations']);
    expect(Object.keys(op?.responses ?? {}).sort()).toEqual(['200', '400', '401', '403', '404', '413', '415']);
  });
});
