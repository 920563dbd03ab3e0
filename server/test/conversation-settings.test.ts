// A person's own settings of a conversation beyond mute: pin, archive and mark as unread
// (PATCH /api/conversations/:peer/settings and /api/groups/:id/settings). Kept on the server,
// listed in GET /api/conversations and /api/groups, and pushed to the owner's sockets only
// (`conversation:update`, `group:update`). Session only, like mute.
import {
  ApiPaths,
  ConversationUpdate,
  ConversationsResponse,
  Group,
  GroupApiPaths,
  type GroupsResponse,
  MAX_PINNED_CONVERSATIONS,
  type ErrorBody,
} from '@messenger/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Kysely, Migrator, sql } from 'kysely';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationProvider } from '../src/db/migrations.js';
import { openPostgres } from '../src/db/postgres.js';
import type { Database } from '../src/db/schema.js';
import { openSqlite } from '../src/db/sqlite.js';
import { appPerFile, bearer, connect, heard, register, removeDir, send, waitFor } from './helpers/app.js';
import { databaseEnv } from './helpers/database.js';
import { waitUntil } from './helpers/wait.js';

const t = appPerFile({ API_RATE_PER_MINUTE: '100000' });

const isList = TypeCompiler.Compile(ConversationsResponse);
const isUpdate = TypeCompiler.Compile(ConversationUpdate);
const isGroup = TypeCompiler.Compile(Group);

type User = Awaited<ReturnType<typeof register>>;
type Listed = ConversationsResponse['conversations'][number];

function patch(user: User | string, url: string, payload: unknown) {
  const token = typeof user === 'string' ? user : user.token;
  return t.app.inject({ method: 'PATCH', url, headers: bearer(token), payload: payload as object });
}

const code = (res: { json: <T>() => T }) => res.json<ErrorBody>().error.code;

async function conversations(user: User | string): Promise<Listed[]> {
  const token = typeof user === 'string' ? user : user.token;
  const res = await t.app.inject({ method: 'GET', url: ApiPaths.conversations, headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json<ConversationsResponse>();
  expect(isList.Check(body), res.body).toBe(true);
  return body.conversations;
}

async function groupsOf(user: User): Promise<Group[]> {
  const res = await t.app.inject({ method: 'GET', url: GroupApiPaths.groups, headers: bearer(user.token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<GroupsResponse>().groups;
}

async function createGroup(owner: User, members: User[]): Promise<Group> {
  const res = await t.app.inject({ method: 'POST', url: GroupApiPaths.groups, headers: bearer(owner.token), payload: { name: 'Team', members: members.map((m) => m.username) } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Group>();
}

async function listedWhen(user: User, peer: string, match: (c: Listed) => boolean): Promise<Listed> {
  let found: Listed | undefined;
  await waitUntil(
    async () => {
      found = (await conversations(user)).find((c) => c.peer === peer && match(c));
      return found !== undefined;
    },
    15_000,
    `${peer} in ${user.username}'s conversations`,
  );
  return found!;
}

describe('PATCH /api/conversations/:peer/settings', () => {
  it('pins, archives and marks unread for the asker only; each answer carries every setting', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    expect((await send(t, bob.token, alice.username, 'hi')).statusCode).toBe(202);
    await listedWhen(alice, bob.username, () => true);
    const plain = { peer: bob.username, muted: false, pinned: false, archived: false, markedUnread: false };
    expect((await conversations(alice)).find((c) => c.peer === bob.username)).toMatchObject(plain);

    const pinned = await patch(alice, ApiPaths.settings(bob.username.toUpperCase()), { pinned: true });
    expect(pinned.statusCode, pinned.body).toBe(200);
    expect(pinned.json()).toEqual({ ...plain, pinned: true });
    // Idempotent, and only what the body names changes.
    expect((await patch(alice, ApiPaths.settings(bob.username), { pinned: true, markedUnread: true })).json()).toEqual({ ...plain, pinned: true, markedUnread: true });
    expect((await patch(alice, ApiPaths.settings(bob.username), { archived: true })).json()).toEqual({ ...plain, pinned: true, markedUnread: true, archived: true });
    expect((await conversations(alice)).find((c) => c.peer === bob.username)).toMatchObject({ pinned: true, markedUnread: true, archived: true, unread: 1 });
    // bob's view of the same conversation is his own.
    expect((await conversations(bob)).find((c) => c.peer === alice.username)).toMatchObject({ pinned: false, archived: false, markedUnread: false });

    // Undoing every setting leaves the conversation as it was; the mute route still answers in full.
    expect((await patch(alice, ApiPaths.settings(bob.username), { pinned: false, archived: false, markedUnread: false })).json()).toEqual(plain);
    const muted = await t.app.inject({ method: 'PUT', url: ApiPaths.mute(bob.username), headers: bearer(alice.token), payload: { muted: true } });
    expect(muted.json()).toEqual({ ...plain, muted: true });
    expect((await patch(alice, ApiPaths.settings(bob.username), { muted: false })).json()).toEqual(plain);
  });

  it('brings an archived conversation back with a new message, unless it is muted', async () => {
    const [alice, bob, carol] = [await register(t), await register(t), await register(t)];
    for (const peer of [bob, carol]) {
      expect((await send(t, peer.token, alice.username, 'first')).statusCode).toBe(202);
      await listedWhen(alice, peer.username, () => true);
      expect((await patch(alice, ApiPaths.settings(peer.username), { archived: true })).json()).toMatchObject({ archived: true });
    }
    expect((await patch(alice, ApiPaths.settings(carol.username), { muted: true })).statusCode).toBe(200);

    expect((await send(t, bob.token, alice.username, 'back')).statusCode).toBe(202);
    expect((await send(t, carol.token, alice.username, 'still quiet')).statusCode).toBe(202);
    expect(await listedWhen(alice, bob.username, (c) => c.lastMessage?.text === 'back')).toMatchObject({ archived: false });
    expect(await listedWhen(alice, carol.username, (c) => c.lastMessage?.text === 'still quiet')).toMatchObject({ archived: true, muted: true });
    // Archiving again after the message holds.
    expect((await patch(alice, ApiPaths.settings(bob.username), { archived: true })).json()).toMatchObject({ archived: true });
    expect((await conversations(alice)).find((c) => c.peer === bob.username)).toMatchObject({ archived: true });
  });

  it(`caps pins at ${MAX_PINNED_CONVERSATIONS}, 1:1 and groups together`, async () => {
    const alice = await register(t);
    const peers = await Promise.all(Array.from({ length: MAX_PINNED_CONVERSATIONS + 1 }, () => register(t)));
    const group = await createGroup(alice, [peers[0]!]);
    expect((await patch(alice, GroupApiPaths.settings(group.id), { pinned: true })).statusCode).toBe(200);
    for (const peer of peers.slice(0, MAX_PINNED_CONVERSATIONS - 1)) {
      const res = await patch(alice, ApiPaths.settings(peer.username), { pinned: true });
      expect(res.statusCode, res.body).toBe(200);
    }
    const over = await patch(alice, ApiPaths.settings(peers[MAX_PINNED_CONVERSATIONS - 1]!.username), { pinned: true });
    expect([over.statusCode, code(over)]).toEqual([400, 'bad_request']);
    const overGroup = await createGroup(alice, [peers[1]!]);
    const res = await patch(alice, GroupApiPaths.settings(overGroup.id), { pinned: true });
    expect([res.statusCode, code(res)]).toEqual([400, 'bad_request']);
    // Pinning one already pinned still works at the cap; unpinning makes room.
    expect((await patch(alice, ApiPaths.settings(peers[0]!.username), { pinned: true })).statusCode).toBe(200);
    expect((await patch(alice, GroupApiPaths.settings(group.id), { pinned: false })).statusCode).toBe(200);
    expect((await patch(alice, GroupApiPaths.settings(overGroup.id), { pinned: true })).statusCode).toBe(200);
    // A pinned peer with no message yet is still listed, so every screen knows the pins.
    expect((await conversations(alice)).filter((c) => c.pinned)).toHaveLength(MAX_PINNED_CONVERSATIONS - 1);
  });

  it('refuses bad input with the right status and never changes anything', async () => {
    const [alice, bob] = [await register(t), await register(t)];
    for (const body of [{}, { pinned: 'yes' }, { pinned: true, extra: 1 }, { archived: null }]) {
      const res = await patch(alice, ApiPaths.settings(bob.username), body);
      expect([res.statusCode, code(res)], JSON.stringify(body)).toEqual([400, 'validation_failed']);
    }
    const unknown = await patch(alice, ApiPaths.settings('nosuchuser'), { pinned: true });
    expect([unknown.statusCode, code(unknown)]).toEqual([404, 'not_found']);
    const muteSelf = await patch(alice, ApiPaths.settings(alice.username), { muted: true });
    expect([muteSelf.statusCode, code(muteSelf)]).toEqual([400, 'bad_request']);
    const anonymous = await t.app.inject({ method: 'PATCH', url: ApiPaths.settings(bob.username), payload: { pinned: true } });
    expect([anonymous.statusCode, code(anonymous)]).toEqual([401, 'unauthorized']);
    const created = await t.app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(alice.token), payload: { name: 'all', scopes: ['send', 'read', 'receive'] } });
    const token = await patch(created.json<{ secret: string }>().secret, ApiPaths.settings(bob.username), { pinned: true });
    expect([token.statusCode, code(token)]).toEqual([403, 'insufficient_scope']);
    expect(await conversations(alice)).toEqual([]);
  });
});

describe('PATCH /api/groups/:id/settings', () => {
  it("changes the asker's view alone, pushed to their sockets only; a stranger gets a 404", async () => {
    const [alice, bob, mallory] = [await register(t), await register(t), await register(t)];
    const group = await createGroup(alice, [bob]);
    expect(group).toMatchObject({ pinned: false, archived: false, markedUnread: false });
    const tab = await connect(t, alice.token);
    const bobs = await connect(t, bob.token);
    try {
      const pushed = waitFor(tab, 'group:update', (u) => u.id === group.id && u.group?.pinned === true);
      const res = await patch(alice, GroupApiPaths.settings(group.id), { pinned: true, markedUnread: true });
      expect(res.statusCode, res.body).toBe(200);
      expect(isGroup.Check(res.json())).toBe(true);
      expect(res.json()).toMatchObject({ pinned: true, markedUnread: true, archived: false, muted: false });
      expect((await pushed).group).toMatchObject({ pinned: true, markedUnread: true });
      expect((await groupsOf(alice)).find((g) => g.id === group.id)).toMatchObject({ pinned: true, markedUnread: true });
      expect((await groupsOf(bob)).find((g) => g.id === group.id)).toMatchObject({ pinned: false, markedUnread: false });

      // Archived, then a message from bob brings it back for alice.
      expect((await patch(alice, GroupApiPaths.settings(group.id), { archived: true })).json()).toMatchObject({ archived: true });
      const sent = await t.app.inject({ method: 'POST', url: GroupApiPaths.messages(group.id), headers: bearer(bob.token), payload: { text: 'news' } });
      expect(sent.statusCode, sent.body).toBe(202);
      await waitUntil(async () => (await groupsOf(alice)).some((g) => g.id === group.id && g.lastMessage?.text === 'news' && !g.archived), 15_000, 'unarchived by a message');

      const stranger = await patch(mallory, GroupApiPaths.settings(group.id), { pinned: true });
      expect([stranger.statusCode, code(stranger)]).toEqual([404, 'group_not_found']);
      const empty = await patch(alice, GroupApiPaths.settings(group.id), {});
      expect(empty.statusCode).toBe(400);
      await waitFor(bobs, 'message:new', (m) => m.message.text === 'news');
      expect(heard(bobs).filter(([event, u]) => event === 'group:update' && (u as { group: Group | null }).group?.pinned === true)).toEqual([]);
    } finally {
      tab.close();
      bobs.close();
    }
  });
});

describe('conversation:update', () => {
  it("carries every setting to each socket of the asker, and nobody else's", async () => {
    const [alice, bob] = [await register(t), await register(t)];
    const tabs = [await connect(t, alice.token), await connect(t, alice.token)];
    const bobs = await connect(t, bob.token);
    try {
      const heardBoth = tabs.map((s) => waitFor(s, 'conversation:update', (u) => u.peer === bob.username && u.archived));
      expect((await patch(alice, ApiPaths.settings(bob.username), { archived: true })).statusCode).toBe(200);
      for (const update of await Promise.all(heardBoth)) {
        expect(isUpdate.Check(update)).toBe(true);
        expect(update).toEqual({ peer: bob.username, muted: false, pinned: false, archived: true, markedUnread: false });
      }
      expect((await send(t, alice.token, bob.username, 'after')).statusCode).toBe(202);
      await waitFor(bobs, 'message:new', (m) => m.message.text === 'after');
      expect(heard(bobs).filter(([event]) => event === 'conversation:update')).toEqual([]);
    } finally {
      for (const s of [...tabs, bobs]) s.close();
    }
  });
});

describe('OpenAPI', () => {
  it('documents both routes with their answers', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/docs/json' })).json<{
      paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown> }>>;
    }>();
    const one = spec.paths['/api/conversations/{peer}/settings']?.patch;
    expect(one?.tags).toEqual(['conversations']);
    expect(Object.keys(one?.responses ?? {}).sort()).toEqual(['200', '400', '401', '403', '404', '413', '415']);
    expect(spec.paths['/api/groups/{id}/settings']?.patch?.tags).toEqual(['groups']);
  });
});

describe('migration 0011', () => {
  it('keeps every mute made before it, as a settings row with nothing else on', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'messenger-settings-migration-'));
    const { DATABASE_URL } = await databaseEnv(dataDir, {});
    const opened = DATABASE_URL
      ? openPostgres({ url: DATABASE_URL, poolMax: 2, onConnectionError: () => undefined })
      : openSqlite(path.join(dataDir, 'messenger.sqlite'));
    const db = new Kysely<Database>({ dialect: opened.dialect });
    try {
      const migrator = new Migrator({ db, provider: migrationProvider(DATABASE_URL ? 'postgres' : 'sqlite') });
      expect((await migrator.migrateTo('0010_message_search')).error).toBeUndefined();
      const now = new Date().toISOString();
      await db.insertInto('users').values(['ann', 'ben'].map((username) => ({ username, password_hash: 'x', created_at: now }))).execute();
      await sql`INSERT INTO conversation_mutes (username, peer, muted_at) VALUES ('ann', 'ben', ${now})`.execute(db);
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await db.selectFrom('conversation_settings').selectAll().execute()).toEqual([
        { username: 'ann', peer: 'ben', muted_at: now, pinned_at: null, archived_at: null, marked_unread: 0 },
      ]);
    } finally {
      await db.destroy();
      removeDir(dataDir);
    }
  });
});
