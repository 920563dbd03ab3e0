// A group message deleted for everyone, in the history store itself (SQLite and Postgres,
// TEST_DB=postgres): its text is gone from every copy, not only from those of the members the
// API sent the delete to. A member who left before the delete (no record is keyed to them) or
// whose copy was stored after it (their partition lagged) must not keep the text: re-added to
// the group, they would read it again in its history and find it by search.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMigratedStore, type MigratedStore } from './helpers/migrated-store.js';
import type { StoredChange } from '../src/db/message-changes.repository.js';
import { createMessagesRepository, type StoredRecord } from '../src/db/messages.repository.js';
import type { Database } from '../src/db/schema.js';

let store: MigratedStore;
let db: Kysely<Database>;
let dialect: 'sqlite' | 'postgres';

beforeAll(async () => {
  store = await openMigratedStore('messenger-actions-store-');
  ({ db, dialect } = store);
});

afterAll(async () => {
  await store?.close();
});

const name = (who: string) => `${who}${randomUUID().slice(0, 8)}`;
let offset = 0;
const sentAt = '2026-11-30T10:00:00.000Z';
const deletedAt = '2026-11-30T10:01:00.000Z';

function copies(id: string, group: { id: string; name: string }, from: string, to: readonly string[], text: string): StoredRecord[] {
  return to.map((member) => ({ id, from, to: member, text, sentAt, group, partition: 0, offset: offset++ }));
}

function deletes(id: string, group: { id: string; name: string }, from: string, to: readonly string[]): StoredChange[] {
  const change = randomUUID();
  return to.map((member) => ({ id: change, kind: 'delete', messageId: id, from, to: member, at: deletedAt, group, partition: 0, offset: offset++ }));
}

const copiesOf = (id: string) => db.selectFrom('messages').select(['recipient', 'text', 'deleted_at']).where('id', '=', id).orderBy('recipient').execute();

describe('a group message deleted for everyone', () => {
  it("is gone from the copy of a member who left before the delete (no record was keyed to them)", async () => {
    const messages = createMessagesRepository(db, { dialect });
    const [alice, bob, carol] = [name('alice'), name('bob'), name('carol')];
    const group = { id: randomUUID(), name: 'crew' };
    const id = randomUUID();
    await messages.storeBatch(copies(id, group, alice, [alice, bob, carol], 'the secret plan'));
    // Carol left; the API sends the delete to those still in the group who hold a copy.
    await messages.storeBatch([], undefined, deletes(id, group, alice, [alice, bob]));
    expect(await copiesOf(id)).toEqual(
      [alice, bob, carol].sort().map((recipient) => ({ recipient, text: '', deleted_at: deletedAt })),
    );
  });

  it('is stored deleted when a copy arrives after the delete (its partition lagged)', async () => {
    const messages = createMessagesRepository(db, { dialect });
    const [alice, bob, dave] = [name('alice'), name('bob'), name('dave')];
    const group = { id: randomUUID(), name: 'crew' };
    const id = randomUUID();
    const all = copies(id, group, alice, [alice, bob, dave], 'the secret plan');
    await messages.storeBatch(all.filter((r) => r.to !== dave));
    await messages.storeBatch([], undefined, deletes(id, group, alice, [alice, bob]));
    await messages.storeBatch(all.filter((r) => r.to === dave));
    expect((await copiesOf(id)).find((r) => r.recipient === dave)).toEqual({ recipient: dave, text: '', deleted_at: deletedAt });
  });

  it('leaves other messages of the group, and the same id nowhere else, alone', async () => {
    const messages = createMessagesRepository(db, { dialect });
    const [alice, bob] = [name('alice'), name('bob')];
    const group = { id: randomUUID(), name: 'crew' };
    const [gone, kept] = [randomUUID(), randomUUID()];
    await messages.storeBatch([...copies(gone, group, alice, [alice, bob], 'delete me'), ...copies(kept, group, alice, [alice, bob], 'keep me')]);
    await messages.storeBatch([], undefined, deletes(gone, group, alice, [alice]));
    expect((await copiesOf(kept)).map((r) => r.text)).toEqual(['keep me', 'keep me']);
  });
});
