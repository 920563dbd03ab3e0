// Message actions (issue 18), the read side: every view of the history store (history pages,
// windows around a message, group pages, the conversation and group lists, search, catch-up and
// the per-viewer state of live updates) shows edits, deletes, reply quotes, reactions and what
// the viewer hid, on SQLite and on Postgres (TEST_DB=postgres). The store's rows are written
// here directly as the change-applying code leaves them (message_reactions, hidden_messages,
// edited_at/deleted_at/reply_to_*), so the reads are tested on their own.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, Migrator } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroupMessagesRepository } from '../src/db/group-messages.repository.js';
import { createGroupsRepository } from '../src/db/groups.repository.js';
import { createHistoryWindowRepository } from '../src/db/history-window.repository.js';
import { messageViews } from '../src/db/message-views.repository.js';
import { createMessagesRepository, type StoredRecord } from '../src/db/messages.repository.js';
import { migrationProvider } from '../src/db/migrations.js';
import { openPostgres } from '../src/db/postgres.js';
import type { Database } from '../src/db/schema.js';
import { createSearchRepository } from '../src/db/search.repository.js';
import { openSqlite } from '../src/db/sqlite.js';
import { removeDir } from './helpers/app.js';
import { databaseEnv } from './helpers/database.js';

let db: Kysely<Database>;
let dialect: 'sqlite' | 'postgres';
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'messenger-actions-read-'));
  const { DATABASE_URL } = await databaseEnv(dataDir, {});
  const opened = DATABASE_URL ? openPostgres({ url: DATABASE_URL, poolMax: 2, onConnectionError: () => undefined }) : openSqlite(path.join(dataDir, 'messenger.sqlite'));
  dialect = DATABASE_URL ? 'postgres' : 'sqlite';
  db = new Kysely<Database>({ dialect: opened.dialect });
  const migrated = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateToLatest();
  expect(migrated.error).toBeUndefined();
});

afterAll(async () => {
  await db?.destroy();
  removeDir(dataDir);
});

const repos = () => ({
  messages: createMessagesRepository(db, { dialect }),
  window: createHistoryWindowRepository(db),
  groupMessages: createGroupMessagesRepository(db),
  groups: createGroupsRepository(db),
  search: createSearchRepository(db, { dialect }),
});

const name = (who: string) => `${who}${randomUUID().slice(0, 8)}`;
let clock = Date.parse('2026-01-01T00:00:00.000Z');
/** Strictly increasing times, so that every view's order is known. */
const tick = () => new Date((clock += 1000)).toISOString();
let offset = 0;

/** Stores messages the way the history consumer does (conversation rows and unread counts included). */
async function store(records: Omit<StoredRecord, 'partition' | 'offset' | 'sentAt'>[]): Promise<string[]> {
  const full = records.map((r) => ({ ...r, sentAt: tick(), partition: 0, offset: offset++ }));
  await repos().messages.insertBatch(full);
  return full.map((r) => r.id);
}

async function direct(from: string, to: string, ...texts: string[]): Promise<string[]> {
  return store(texts.map((text) => ({ id: randomUUID(), from, to, text })));
}

/** One group message: a copy for each member, the sender's own included. */
async function groupSend(group: { id: string; name: string }, from: string, members: string[], text: string): Promise<string> {
  const id = randomUUID();
  const sentAt = tick();
  await repos().messages.insertBatch(members.map((to) => ({ id, from, to, text, sentAt, group, partition: 0, offset: offset++ })));
  return id;
}

// What the change-applying code (wip/actionsdelivery) leaves in the store for each kind.
const apply = {
  edit: (id: string, text: string, at = tick()) => db.updateTable('messages').set({ text, edited_at: at }).where('id', '=', id).execute(),
  async delete(id: string, at = tick()) {
    await db.updateTable('messages').set({ text: '', deleted_at: at }).where('id', '=', id).execute();
    await db.deleteFrom('message_reactions').where('message_id', '=', id).execute();
    await db.updateTable('messages').set({ reply_to_text: '' }).where('reply_to_id', '=', id).execute();
  },
  hide: (username: string, id: string) => db.insertInto('hidden_messages').values({ username, message_id: id, hidden_at: tick() }).execute(),
  react: (id: string, username: string, emoji: string, at = tick()) => db.insertInto('message_reactions').values({ message_id: id, username, emoji, reacted_at: at }).execute(),
  quote: (reply: string, original: { id: string; from: string; text: string }) =>
    db.updateTable('messages').set({ reply_to_id: original.id, reply_to_sender: original.from, reply_to_text: original.text }).where('id', '=', reply).execute(),
};

describe('messageViews', () => {
  it('gives a message as the viewer sees it now: edited, quoted, reacted to, or deleted, and hidden for the one who hid it', async () => {
    const [ann, ben, eve] = [name('ann'), name('ben'), name('eve')];
    const [first, reply, gone] = await direct(ann, ben, 'first', 'reply to it', 'soon gone');
    await apply.edit(first!, 'first, edited', '2026-02-01T00:00:00.000Z');
    await apply.quote(reply!, { id: first!, from: ann, text: 'first' });
    await apply.react(first!, ben, '👍', '2026-02-01T00:00:01.000Z');
    await apply.react(first!, ann, '❤️', '2026-02-01T00:00:02.000Z');
    await apply.react(first!, ann, '👍', '2026-02-01T00:00:03.000Z');
    await apply.react(gone!, ben, '😂');
    await apply.delete(gone!);
    await apply.hide(ben, reply!);

    const seen = await messageViews(db, ben, [{ id: first! }, { id: reply! }, { id: gone! }]);
    expect(seen.get(first!)).toEqual({
      message: {
        id: first,
        from: ann,
        to: ben,
        text: 'first, edited',
        sentAt: expect.any(String),
        state: 'sent',
        editedAt: '2026-02-01T00:00:00.000Z',
        reactions: [
          { emoji: '👍', users: [ben, ann] },
          { emoji: '❤️', users: [ann] },
        ],
      },
    });
    expect(seen.get(reply!)).toEqual({ message: expect.objectContaining({ text: 'reply to it', replyTo: { id: first, from: ann, text: 'first' } }), hidden: true });
    const deleted = seen.get(gone!)?.message;
    expect(deleted).toEqual({ id: gone, from: ann, to: ben, text: '', sentAt: expect.any(String), state: 'sent', deleted: true });

    // The sender sees the same message, not hidden for them; a stranger sees nothing of it.
    expect((await messageViews(db, ann, [{ id: reply! }])).get(reply!)).toEqual({ message: expect.objectContaining({ text: 'reply to it' }) });
    expect((await messageViews(db, eve, [{ id: first! }, { id: reply! }])).size).toBe(0);

    // Once the original is deleted for everyone, the reply's quote says so and quotes nothing.
    await apply.delete(first!);
    expect((await messageViews(db, ann, [{ id: reply! }])).get(reply!)?.message.replyTo).toEqual({ id: first, from: ann, text: '', deleted: true });
  });

  it("gives a group message as the viewer's own copy, with the reactions every copy shares", async () => {
    const [ann, ben, cat] = [name('ann'), name('ben'), name('cat')];
    const group = { id: randomUUID(), name: 'Hikers' };
    const id = await groupSend(group, ann, [ann, ben, cat], 'hello all');
    await apply.react(id, cat, '🙏');
    const seen = await messageViews(db, ben, [{ id, recipient: ben }]);
    expect(seen.get(id)?.message).toEqual({ id, from: ann, to: ben, text: 'hello all', sentAt: expect.any(String), state: 'sent', group, reactions: [{ emoji: '🙏', users: [cat] }] });
    // The sender's view is their own copy (read already); another member's copy is not theirs.
    expect((await messageViews(db, ann, [{ id }])).get(id)?.message).toMatchObject({ to: ann, state: 'read' });
    expect((await messageViews(db, ann, [{ id, recipient: ben }])).size).toBe(0);
  });
});
