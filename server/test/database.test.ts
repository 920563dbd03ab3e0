// The history store behaves the same on SQLite and on Postgres (TEST_DB picks which; `npm test`
// runs this file on both). These are the places where the two SQL dialects differ: upsert
// arithmetic, 64-bit Kafka offsets, byte-order comparison of text, and LIKE escaping.
import type { KyselyPlugin } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessagesRepository, type StoredRecord } from '../src/db/messages.repository.js';
import { conversationKey } from '../src/db/schema.js';
import { randomName, removeDir, startApp, type TestApp } from './helpers/app.js';
import { onPostgres, testDb } from './helpers/database.js';
import { waitUntil } from './helpers/wait.js';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(async () => {
  await t.close();
  removeDir(t.dataDir);
});

const record = (from: string, to: string, sentAt: string, offset: number, partition = 0): StoredRecord => ({
  id: randomName('m'),
  from,
  to,
  text: `at ${sentAt}`,
  sentAt,
  partition,
  offset,
});

describe(`the history store (${testDb})`, () => {
  it('keeps the newest message as a conversation’s last, whatever order batches arrive in, and adds up unread', async () => {
    const messages = t.app.repos.messages;
    const [alice, bob] = [randomName('a'), randomName('b')];
    const newer = record(alice, bob, '2026-01-02T00:00:00.000Z', 10);
    const older = record(alice, bob, '2026-01-01T00:00:00.000Z', 11);
    // The newer one is materialized first (another partition got ahead): the older one, stored
    // later, must not become the conversation's last message.
    expect(await messages.insertBatch([newer])).toEqual(new Set([newer.id]));
    expect(await messages.insertBatch([older, older])).toEqual(new Set([older.id]));
    // A replay of both stores nothing and counts nothing.
    expect(await messages.insertBatch([newer, older])).toEqual(new Set());
    const [bobSide] = await messages.conversations(bob, 10);
    expect(bobSide).toMatchObject({ peer: alice, unread: 2, lastMessage: { id: newer.id, sentAt: newer.sentAt } });
    const [aliceSide] = await messages.conversations(alice, 10);
    expect(aliceSide).toMatchObject({ peer: bob, unread: 0, lastMessage: { id: newer.id } });
  });

  it('stores 64-bit Kafka offsets exactly, and finds the lowest undelivered one among them', async () => {
    const messages = t.app.repos.messages;
    const [alice, bob] = [randomName('a'), randomName('b')];
    const big = 2 ** 40 + 7;
    const rows = [record(alice, bob, '2026-01-01T00:00:00.000Z', big, 1), record(alice, bob, '2026-01-01T00:00:01.000Z', big + 1, 1)];
    await messages.insertBatch(rows);
    expect((await messages.undelivered(bob, 10)).map((m) => m.offset)).toEqual([big, big + 1]);
    const [outcome] = await messages.markDeliveredMany([{ recipient: bob, ids: [rows[0]!.id] }], new Date().toISOString());
    expect(outcome?.changed).toEqual([{ id: rows[0]!.id, sender: alice, conversation: [alice, bob].sort().join('|'), kafka_partition: 1, kafka_offset: big }]);
    expect(outcome?.lowestUndelivered).toEqual(new Map([[1, big + 1]]));
    expect(await messages.markDeliveredBelow(bob, 1, big + 2, new Date().toISOString())).toBe(1);
    expect(await messages.hasUndelivered(bob)).toBe(false);
  });

  it('applies a round of acknowledgements in two statements, with the outcome per request as if applied one by one', async () => {
    // Counts the statements the repository runs (BEGIN and COMMIT are not queries here): every
    // execution passes transformResult, compiled anew or not.
    let statements = 0;
    const counting: KyselyPlugin = {
      transformQuery: (args) => args.node,
      transformResult: (args) => {
        statements++;
        return Promise.resolve(args.result);
      },
    };
    const messages = createMessagesRepository(t.app.database.db.withPlugin(counting), { dialect: testDb });
    const [alice, bob, carol] = [randomName('a'), randomName('b'), randomName('c')];
    const toBob = [0, 1, 2].map((i) => record(alice, bob, `2026-05-01T00:00:0${i}.000Z`, 200 + i, 2));
    const toCarol = [0, 1].map((i) => record(alice, carol, `2026-05-01T00:00:0${i}.000Z`, 300 + i, 3));
    // A group message: one id, a copy for each member.
    const group = { id: randomName('g'), name: 'g' };
    const copies = [bob, carol].map((to, i) => ({ ...record(alice, to, '2026-05-01T00:00:09.000Z', 400 + i, 2), id: `${toBob[0]!.id}-g`, group }));
    await t.app.repos.messages.insertBatch([...toBob, ...toCarol, ...copies]);
    const now = new Date().toISOString();
    statements = 0;
    const outcomes = await messages.markDeliveredMany(
      [
        // Bob's two screens acknowledge overlapping ids: the first request moves them.
        { recipient: bob, ids: [toBob[0]!.id, toBob[1]!.id] },
        { recipient: bob, ids: [toBob[1]!.id, copies[0]!.id, randomName('unknown')] },
        { recipient: carol, ids: [toCarol[1]!.id, copies[1]!.id] },
        // Carol names Bob's message: not hers, so nothing moves.
        { recipient: carol, ids: [toBob[2]!.id] },
        { recipient: alice, ids: [] },
      ],
      now,
    );
    expect(statements).toBe(2);
    const ids = (i: number) => outcomes[i]!.changed.map((c) => `${c.id}@${c.kafka_partition}:${c.kafka_offset}`).sort();
    expect(ids(0)).toEqual([`${toBob[0]!.id}@2:200`, `${toBob[1]!.id}@2:201`].sort());
    expect(ids(1)).toEqual([`${copies[0]!.id}@2:400`]);
    expect(ids(2)).toEqual([`${toCarol[1]!.id}@3:301`, `${copies[1]!.id}@2:401`].sort());
    expect(ids(3)).toEqual([]);
    expect(ids(4)).toEqual([]);
    expect(outcomes[1]!.changed[0]).toMatchObject({ sender: alice, conversation: `#${group.id}` });
    // Lowest still undelivered, per recipient and partition the round moved, after the whole round.
    expect(outcomes[0]!.lowestUndelivered).toEqual(new Map([[2, 202]]));
    expect(outcomes[1]!.lowestUndelivered).toEqual(new Map([[2, 202]]));
    expect(outcomes[2]!.lowestUndelivered).toEqual(new Map([[2, null], [3, 300]]));
    expect(outcomes[3]!.lowestUndelivered).toEqual(new Map([[2, null], [3, 300]]));
    expect(outcomes[4]!.lowestUndelivered).toEqual(new Map());
    expect((await messages.undelivered(bob, 10)).map((m) => m.message.id)).toEqual([toBob[2]!.id]);
    // A repeat moves nothing and asks nothing more.
    statements = 0;
    const [again] = await messages.markDeliveredMany([{ recipient: bob, ids: [toBob[0]!.id] }], now);
    expect(again).toEqual({ changed: [], lowestUndelivered: new Map() });
    expect(statements).toBe(1);
  });

  it('pages and marks read by (sent_at, id) in byte order, as SQLite compares text', async () => {
    const messages = t.app.repos.messages;
    const [alice, bob] = [randomName('a'), randomName('b')];
    const at = '2026-03-01T00:00:00.000Z';
    // Same timestamp: ids decide, compared byte by byte ('-' < '.' < '0' < '_' < 'a'), which a
    // Postgres with a language collation would order differently.
    const base = randomName('m');
    const rows = ['x-1', 'x.1', 'x01', 'x_1', 'xa1'].map((suffix, i) => ({ ...record(alice, bob, at, 100 + i), id: `${base}${suffix}` }));
    await messages.insertBatch([...rows].reverse());
    const page = await messages.page(bob, alice, undefined, 10);
    expect(page?.messages.map((m) => m.id)).toEqual(rows.map((r) => r.id).reverse());
    const older = await messages.page(bob, alice, rows[2]!.id, 10);
    expect(older?.messages.map((m) => m.id)).toEqual([rows[1]!.id, rows[0]!.id]);
    const read = await messages.markRead(bob, alice, rows[2]!.id, new Date().toISOString());
    expect(new Set(read)).toEqual(new Set(rows.slice(0, 3).map((r) => r.id)));
    expect((await messages.conversations(bob, 10))[0]?.unread).toBe(2);
  });

  it('reads a 1:1 conversation without touching the same peer’s group messages, nor counting them unread there', async () => {
    const messages = t.app.repos.messages;
    const [alice, bob] = [randomName('a'), randomName('b')];
    const group = { id: randomName('g'), name: 'g' };
    const inGroup = (sentAt: string, offset: number): StoredRecord => ({ ...record(alice, bob, sentAt, offset), group });
    const older = inGroup('2026-07-01T00:00:00.000Z', 600);
    const first = record(alice, bob, '2026-07-01T00:00:01.000Z', 601);
    const second = record(alice, bob, '2026-07-01T00:00:02.000Z', 602);
    const newer = inGroup('2026-07-01T00:00:03.000Z', 603);
    await messages.insertBatch([older, first, second, newer]);
    expect(await messages.markRead(bob, alice, first.id, new Date().toISOString())).toEqual([first.id]);
    expect((await messages.conversations(bob, 10)).find((c) => c.peer === alice)?.unread).toBe(1);
  });

  it('searches people by prefix with LIKE metacharacters taken literally', async () => {
    const users = t.app.repos.users;
    const stem = randomName('s');
    const now = new Date().toISOString();
    for (const name of [`${stem}_x`, `${stem}ax`, `${stem}%y`.replace('%', '.')]) expect(await users.create(name, 'hash', now)).toBe(true);
    expect(await users.create(`${stem}_x`, 'hash', now)).toBe(false);
    expect((await users.search(`${stem}_`, 'nobody', 10)).map((r) => r.username)).toEqual([`${stem}_x`]);
    expect((await users.search(stem, 'nobody', 10)).map((r) => r.username)).toEqual([`${stem}.y`, `${stem}_x`, `${stem}ax`]);
  });

  it('answers readiness with the store', async () => {
    expect(await t.app.database.ping()).toBe(true);
    expect(t.app.database.dialect).toBe(testDb);
  });
});

// SQLite runs one transaction at a time; Postgres runs them side by side. A read receipt that
// recounts unread while the history consumer is storing a new message must not erase it.
describe.skipIf(!onPostgres)('the history store under concurrent transactions (postgres)', () => {
  it('a read receipt racing a new message leaves that message counted unread', async () => {
    const messages = t.app.repos.messages;
    const [alice, bob] = [randomName('a'), randomName('b')];
    const first = record(alice, bob, '2026-04-01T00:00:00.000Z', 1);
    await messages.insertBatch([first]);
    // Another writer (a second instance's history consumer) is storing a newer message: its
    // transaction holds the conversation row and is not committed yet.
    const other = new pg.Client({ connectionString: t.env.DATABASE_URL });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(
        `INSERT INTO messages (id, sender, recipient, conversation, text, sent_at, kafka_partition, kafka_offset)
         VALUES ($1, $2, $3, $4, 'new', '2026-04-01T00:00:01.000Z', 0, 2)`,
        [randomName('m'), alice, bob, conversationKey(alice, bob)],
      );
      await other.query('UPDATE conversations SET unread = unread + 1 WHERE owner = $1 AND peer = $2', [bob, alice]);
      const reading = messages.markRead(bob, alice, first.id, new Date().toISOString());
      await waitForLockWait(other);
      await other.query('COMMIT');
      expect(await reading).toEqual([first.id]);
    } finally {
      await other.end();
    }
    expect((await messages.conversations(bob, 10))[0]?.unread).toBe(1);
  });
});

/** Resolves once some other session of this database waits for a row lock (bounded). */
async function waitForLockWait(client: pg.Client) {
  const lockWaits = async () => {
    const { rows } = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'",
    );
    return Number(rows[0]?.n) > 0;
  };
  await waitUntil(lockWaits, 10_000, 'another session to wait for the row lock', 20);
}

describe.skipIf(!onPostgres)('the history store when Postgres breaks a deadlock (postgres)', () => {
  it('a read receipt chosen as the deadlock victim is run again and succeeds', async () => {
    const messages = t.app.repos.messages;
    const [alice, bob] = [randomName('a'), randomName('b')];
    const first = record(alice, bob, '2026-05-01T00:00:00.000Z', 1);
    await messages.insertBatch([first]);
    const other = new pg.Client({ connectionString: t.env.DATABASE_URL });
    await other.connect();
    try {
      // The other writer holds the message; the read receipt takes the conversation row and
      // waits for the message; then the other writer wants the conversation row: a cycle.
      await other.query('BEGIN');
      await other.query('UPDATE messages SET text = text WHERE id = $1', [first.id]);
      const reading = messages.markRead(bob, alice, first.id, new Date().toISOString());
      await waitForLockWait(other);
      const otherDone = other.query('UPDATE conversations SET unread = unread WHERE owner = $1 AND peer = $2', [bob, alice]);
      // The receipt waited first, so its deadlock check (after deadlock_timeout) aborts it.
      await otherDone;
      await other.query('COMMIT');
      expect(await reading).toEqual([first.id]);
    } finally {
      await other.end();
    }
    expect((await messages.conversations(bob, 10))[0]?.unread).toBe(0);
  });
});
