// Full-text search on the real store (SQLite FTS5, or Postgres with TEST_DB=postgres), filled
// through the real path (POST /send → Kafka → history consumer): who sees what, how a query is
// read, paging, the index following changed rows, and opening history around a result.
import { ApiPaths, GroupApiPaths, type MessagesPage, type SearchResponse } from '@messenger/protocol';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, Migrator, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migrationProvider } from '../src/db/migrations.js';
import { openPostgres } from '../src/db/postgres.js';
import type { Database } from '../src/db/schema.js';
import { createSearchRepository } from '../src/db/search.repository.js';
import { openSqlite } from '../src/db/sqlite.js';
import { appPerFile, bearer, register, removeDir, send } from './helpers/app.js';
import { databaseEnv } from './helpers/database.js';
import { waitUntil } from './helpers/wait.js';

const t = appPerFile();

async function search(token: string, query: Record<string, string | number>) {
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
  const res = await t.app.inject({ method: 'GET', url: `${ApiPaths.search}?${qs}`, headers: bearer(token) });
  return { status: res.statusCode, body: res.json<SearchResponse & { error?: { code: string } }>() };
}

/** Texts found, once `n` results are there (the history consumer stores asynchronously). */
async function found(token: string, query: Record<string, string | number>, n: number): Promise<SearchResponse> {
  let last: SearchResponse = { results: [], nextBefore: null };
  await waitUntil(
    async () => {
      const res = await search(token, query);
      if (res.status !== 200) throw new Error(`search ${JSON.stringify(query)}: ${res.status} ${JSON.stringify(res.body)}`);
      last = res.body;
      return last.results.length >= n;
    },
    15_000,
    `${n} results for ${JSON.stringify(query)}`,
  );
  return last;
}

const texts = (r: SearchResponse) => r.results.map((h) => h.message.text);

async function sendAll(token: string, to: string, lines: string[]) {
  const ids: string[] = [];
  for (const line of lines) {
    const res = await send(t, token, to, line);
    expect(res.statusCode, res.body).toBe(202);
    ids.push(res.json<{ id: string }>().id);
  }
  return ids;
}

async function makeGroup(owner: string, members: string[]) {
  const id = randomUUID();
  await t.app.repos.groups.create({ id, name: 'Hikers', created_by: owner, created_at: new Date().toISOString() }, owner, members);
  return id;
}

describe('search', () => {
  it('finds my messages across conversations, newest first, with where each is and what matched; nobody else sees them', async () => {
    const [alice, bob, carol, eve] = await Promise.all([register(t), register(t), register(t), register(t)]);
    // A word unique to this test, so that other tests' messages never match.
    const w = `zebra${randomUUID().slice(0, 6)}`;
    await sendAll(alice.token, bob.username, [`the ${w} crossed`, 'nothing here']);
    await sendAll(carol.token, alice.username, [`Another ${w.toUpperCase()}, louder`]);
    await sendAll(bob.token, carol.username, [`${w} between bob and carol`]);

    const mine = await found(alice.token, { q: w }, 2);
    expect(texts(mine)).toEqual([`Another ${w.toUpperCase()}, louder`, `the ${w} crossed`]);
    expect(mine.results.map((h) => h.conversation)).toEqual([{ peer: carol.username }, { peer: bob.username }]);
    // Ranges into the text, case-folded, never markup.
    expect(mine.results[0]?.matches).toEqual([{ start: 8, end: 8 + w.length }]);
    expect(mine.nextBefore).toBeNull();

    // bob's message to carol is not alice's; eve is in no conversation.
    expect(texts(await found(bob.token, { q: w }, 2))).toEqual([`${w} between bob and carol`, `the ${w} crossed`]);
    expect((await search(eve.token, { q: w })).body.results).toEqual([]);
    expect((await search(alice.token, { q: w, peer: bob.username })).body.results.map((h) => h.message.text)).toEqual([`the ${w} crossed`]);
    // A conversation with someone alice never wrote to: nothing, not bob and carol's.
    expect((await search(eve.token, { q: w, peer: bob.username })).body.results).toEqual([]);
    expect((await search(alice.token, { q: w, peer: 'nosuchuser' + w.slice(-6) })).body.error?.code).toBe('not_found');
    // Who may read a row is in the index too (migration 0010), never as words of the text.
    const escaped = bob.username.replaceAll('x', 'x0').replaceAll('.', 'x1').replaceAll('-', 'x2').replaceAll('_', 'x3');
    for (const q of [`u${Buffer.from(bob.username).toString('hex')}`, `u${escaped}`, `c${Buffer.from(`${alice.username}|${bob.username}`).toString('hex')}`]) {
      expect((await search(alice.token, { q })).body.results, q).toEqual([]);
    }
  });

  it('reads the text as words: any order, prefix on the last word until a space, punctuation and case ignored, never a syntax error', async () => {
    const [alice, bob] = await Promise.all([register(t), register(t)]);
    const w = `kite${randomUUID().slice(0, 6)}`;
    await sendAll(alice.token, bob.username, [`Flying a ${w}-festival kite at the café`, `${w} second message`]);
    await found(alice.token, { q: w }, 2);
    expect(texts(await found(alice.token, { q: `festival ${w}` }, 1))).toEqual([`Flying a ${w}-festival kite at the café`]);
    // The last word is a prefix while typing, a whole word once a space follows.
    expect(texts(await found(alice.token, { q: w.slice(0, -2) }, 2))).toHaveLength(2);
    expect((await search(alice.token, { q: `${w.slice(0, -2)} ` })).body.results).toEqual([]);
    expect(texts(await found(alice.token, { q: `${w} fest` }, 1))).toHaveLength(1);
    const hit = (await found(alice.token, { q: `${w} fest` }, 1)).results[0];
    const text = hit?.message.text ?? '';
    expect(hit?.matches.map((m) => text.slice(m.start, m.end))).toEqual([w, 'festival']);
    // Operators and quotes of either store's syntax are just characters here.
    for (const q of ['"', `"${w}`, `${w} AND`, `${w} OR x`, `NEAR(${w}`, '*', `${w}*`, `${w}:*`, "' OR 1=1 --", '!(&|):', 'text:x', '^x', '-x', '🪁', '\\', `${w} & !`]) {
      const res = await search(alice.token, { q });
      expect(res.status, `${q} → ${JSON.stringify(res.body)}`).toBe(200);
    }
    expect(texts((await search(alice.token, { q: `"${w}" AND` })).body)).toEqual([]);
    expect(texts((await search(alice.token, { q: `(${w}) --second` })).body)).toEqual([`${w} second message`]);
  });

  it('pages with before, and refuses what is not a query', async () => {
    const [alice, bob] = await Promise.all([register(t), register(t)]);
    const w = `page${randomUUID().slice(0, 6)}`;
    await sendAll(alice.token, bob.username, [1, 2, 3, 4, 5].map((i) => `${w} number ${i}`));
    await found(alice.token, { q: w }, 5);
    const first = (await search(alice.token, { q: w, limit: 2 })).body;
    expect(texts(first)).toEqual([`${w} number 5`, `${w} number 4`]);
    const second = await search(alice.token, { q: w, limit: 2, before: first.nextBefore ?? '' });
    expect(texts(second.body)).toEqual([`${w} number 3`, `${w} number 2`]);
    const third = await search(alice.token, { q: w, limit: 2, before: second.body.nextBefore ?? '' });
    expect(texts(third.body)).toEqual([`${w} number 1`]);
    expect(third.body.nextBefore).toBeNull();

    const refused = async (query: Record<string, string | number>, status: number, code: string) => {
      const res = await search(alice.token, query);
      expect([res.status, res.body.error?.code], JSON.stringify(query)).toEqual([status, code]);
    };
    await refused({ q: '' }, 400, 'validation_failed');
    await refused({ q: 'x'.repeat(201) }, 400, 'validation_failed');
    await refused({ q: w, limit: 0 }, 400, 'validation_failed');
    await refused({ q: w, limit: 51 }, 400, 'validation_failed');
    await refused({ q: w, before: 'not-an-id' }, 400, 'validation_failed');
    await refused({ q: w, peer: bob.username, group: randomUUID() }, 400, 'validation_failed');
    // A message alice cannot read is no cursor of hers.
    await refused({ q: w, before: randomUUID() }, 404, 'message_not_found');
    const anonymous = await t.app.inject({ method: 'GET', url: `${ApiPaths.search}?q=${w}` });
    expect(anonymous.statusCode).toBe(401);
  });

  it('searches a group as its members read it: only while a member, only copies made while one', async () => {
    const [owner, member, late, outsider] = await Promise.all([register(t), register(t), register(t), register(t)]);
    const w = `summit${randomUUID().slice(0, 6)}`;
    const group = await makeGroup(owner.username, [member.username]);
    const post = (text: string) => t.app.inject({ method: 'POST', url: GroupApiPaths.messages(group), headers: bearer(owner.token), payload: { text } });
    expect((await post(`${w} at dawn`)).statusCode).toBe(202);
    const before = await found(member.token, { q: w }, 1);
    expect(before.results[0]?.conversation).toEqual({ group: { id: group, name: 'Hikers' } });
    expect(texts(await found(member.token, { q: w, group }, 1))).toEqual([`${w} at dawn`]);
    // The owner's own copy only, not one result per member.
    expect(texts(await found(owner.token, { q: w }, 1))).toEqual([`${w} at dawn`]);

    const added = await t.app.inject({ method: 'POST', url: GroupApiPaths.members(group), headers: bearer(owner.token), payload: { usernames: [late.username] } });
    expect(added.statusCode, added.body).toBe(200);
    expect((await post(`${w} at noon`)).statusCode).toBe(202);
    expect(texts(await found(late.token, { q: w }, 1))).toEqual([`${w} at noon`]);
    expect(texts(await found(member.token, { q: w }, 2))).toEqual([`${w} at noon`, `${w} at dawn`]);

    const res = await search(outsider.token, { q: w, group });
    expect([res.status, res.body.error?.code]).toEqual([404, 'group_not_found']);
    expect((await search(outsider.token, { q: w })).body.results).toEqual([]);
    // Leaving closes the group's history, and so its results.
    const left = await t.app.inject({ method: 'DELETE', url: GroupApiPaths.member(group, member.username), headers: bearer(member.token) });
    expect(left.statusCode, left.body).toBe(204);
    expect((await search(member.token, { q: w })).body.results).toEqual([]);
  });

  it('follows the messages table: a changed text is found by its new words only, a deleted row not at all', async () => {
    const [alice, bob] = await Promise.all([register(t), register(t)]);
    const old = `oldword${randomUUID().slice(0, 6)}`;
    const fresh = `newword${randomUUID().slice(0, 6)}`;
    const [id] = await sendAll(alice.token, bob.username, [`${old} first draft`]);
    await found(alice.token, { q: old }, 1);
    const db = t.app.database.db;
    await db.updateTable('messages').set({ text: `${fresh} second draft` }).where('id', '=', id ?? '').execute();
    expect((await search(alice.token, { q: old })).body.results).toEqual([]);
    expect(texts((await search(alice.token, { q: fresh })).body)).toEqual([`${fresh} second draft`]);
    expect((await search(alice.token, { q: 'draft' })).body.results.map((h) => h.message.id)).toContain(id);
    await db.deleteFrom('messages').where('id', '=', id ?? '').execute();
    expect((await search(alice.token, { q: fresh })).body.results).toEqual([]);
    // The index holds no posting left for it: rebuilt from the table, SQLite's agrees.
    if (t.app.database.dialect === 'sqlite') {
      await sql`INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')`.execute(db);
    }
  });
});

describe('history around a message', () => {
  it('opens a conversation at a found message and pages both ways from there', async () => {
    const [alice, bob] = await Promise.all([register(t), register(t)]);
    const w = `anchor${randomUUID().slice(0, 6)}`;
    const lines = Array.from({ length: 9 }, (_, i) => (i === 4 ? `m${i} ${w}` : `m${i}`));
    const ids = await sendAll(alice.token, bob.username, lines);
    const hit = (await found(bob.token, { q: w }, 1)).results[0];
    expect(hit?.message.id).toBe(ids[4]);
    const page = async (query: string) => {
      const res = await t.app.inject({ method: 'GET', url: `${ApiPaths.messages(alice.username)}?${query}`, headers: bearer(bob.token) });
      return { status: res.statusCode, body: res.json<MessagesPage & { error?: { code: string } }>() };
    };
    await waitUntil(async () => (await page('limit=9')).body.messages.length === 9, 15_000, 'all nine stored');
    const around = await page(`around=${hit?.message.id}&limit=5`);
    expect(around.body.messages.map((m) => m.text)).toEqual(['m6', 'm5', `m4 ${w}`, 'm3', 'm2']);
    expect(around.body.nextAfter).toBe(ids[6]);
    expect(around.body.nextBefore).toBe(ids[2]);
    const newer = await page(`after=${around.body.nextAfter}&limit=5`);
    expect(newer.body.messages.map((m) => m.text)).toEqual(['m8', 'm7']);
    expect(newer.body.nextAfter).toBeNull();
    const older = await page(`before=${around.body.nextBefore}&limit=5`);
    expect(older.body.messages.map((m) => m.text)).toEqual(['m1', 'm0']);
    // Near the newest end, the page fills with older messages.
    expect((await page(`around=${ids[8]}&limit=4`)).body.messages.map((m) => m.text)).toEqual(['m8', 'm7', 'm6', 'm5']);
    expect((await page(`around=${ids[8]}&limit=4`)).body.nextAfter).toBeNull();
    // A plain page keeps its shape.
    expect((await page('limit=2')).body).not.toHaveProperty('nextAfter');

    expect((await page(`around=${ids[4]}&before=${ids[5]}`)).status).toBe(400);
    expect((await page(`around=${randomUUID()}`)).body.error?.code).toBe('message_not_found');
  });

  it('does the same in a group, over the member\'s own copies', async () => {
    const [owner, member] = await Promise.all([register(t), register(t)]);
    const group = await makeGroup(owner.username, [member.username]);
    const ids: string[] = [];
    for (const text of ['g0', 'g1', 'g2']) {
      const res = await t.app.inject({ method: 'POST', url: GroupApiPaths.messages(group), headers: bearer(owner.token), payload: { text } });
      ids.push(res.json<{ id: string }>().id);
    }
    const page = (query: string) => t.app.inject({ method: 'GET', url: `${GroupApiPaths.messages(group)}?${query}`, headers: bearer(member.token) });
    await waitUntil(async () => (await page('limit=3')).json<MessagesPage>().messages.length === 3, 15_000, 'three stored');
    const around = (await page(`around=${ids[1]}&limit=3`)).json<MessagesPage>();
    expect(around.messages.map((m) => [m.text, m.to])).toEqual([
      ['g2', member.username],
      ['g1', member.username],
      ['g0', member.username],
    ]);
    expect([around.nextAfter, around.nextBefore]).toEqual([null, null]);
  });
});

describe('migration 0010', () => {
  it('indexes the messages stored before it', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'messenger-search-migration-'));
    const { DATABASE_URL } = await databaseEnv(dataDir, {});
    const opened = DATABASE_URL
      ? openPostgres({ url: DATABASE_URL, poolMax: 2, onConnectionError: () => undefined })
      : openSqlite(path.join(dataDir, 'messenger.sqlite'));
    const dialect = DATABASE_URL ? 'postgres' : 'sqlite';
    const db = new Kysely<Database>({ dialect: opened.dialect });
    try {
      const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
      expect((await migrator.migrateTo('0009_conversation_mutes')).error).toBeUndefined();
      const id = randomUUID();
      await db
        .insertInto('messages')
        .values({ id, sender: 'ann', recipient: 'ben', conversation: 'ann|ben', text: 'Stored before search existed', sent_at: new Date().toISOString(), kafka_partition: 0, kafka_offset: 0, delivered_at: null, read_at: null, group_name: null })
        .execute();
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      const page = await createSearchRepository(db, { dialect }).search('ben', 'existed', { kind: 'all' }, undefined, 10);
      expect(page?.found.map((f) => f.message.id)).toEqual([id]);
    } finally {
      await db.destroy();
      removeDir(dataDir);
    }
  });
});
