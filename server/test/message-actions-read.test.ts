// Message actions (issue 18), the read side: every view of the history store (history pages,
// windows around a message, group pages, the conversation and group lists, search, catch-up and
// the per-viewer state of live updates) shows edits, deletes, reply quotes, reactions and what
// the viewer hid, on SQLite and on Postgres (TEST_DB=postgres). The store's rows are written
// here directly as the change-applying code leaves them (message_reactions, hidden_messages,
// edited_at/deleted_at/reply_to_*), so the reads are tested on their own.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMigratedStore, type MigratedStore } from './helpers/migrated-store.js';
import { createGroupMessagesRepository } from '../src/db/group-messages.repository.js';
import { createGroupsRepository } from '../src/db/groups.repository.js';
import { createHistoryWindowRepository } from '../src/db/history-window.repository.js';
import { messageViews } from '../src/db/message-views.repository.js';
import { createMessagesRepository, type StoredRecord } from '../src/db/messages.repository.js';
import type { Database } from '../src/db/schema.js';
import { createSearchRepository } from '../src/db/search.repository.js';

let opened: MigratedStore;
let db: Kysely<Database>;
let dialect: 'sqlite' | 'postgres';

beforeAll(async () => {
  opened = await openMigratedStore('messenger-actions-read-');
  ({ db, dialect } = opened);
});

afterAll(async () => {
  await opened?.close();
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

const texts = (messages: readonly { text: string }[]) => messages.map((m) => m.text);

/** A conversation of ann and ben with one of each: edited, replied to, reacted to, deleted, hidden by ben. */
async function shapedConversation() {
  const [ann, ben] = [name('ann'), name('ben')];
  const [edited, reacted, gone, quoting, hidden, last] = await direct(ann, ben, 'draft', 'reacted to', 'soon gone', 'quoting', 'hidden by ben', 'last');
  await apply.edit(edited!, 'final', '2026-03-01T00:00:00.000Z');
  await apply.react(reacted!, ben, '👍', '2026-03-01T00:00:01.000Z');
  await apply.react(reacted!, ann, '❤️', '2026-03-01T00:00:02.000Z');
  await apply.react(reacted!, ann, '👍', '2026-03-01T00:00:03.000Z');
  await apply.quote(quoting!, { id: gone!, from: ann, text: 'soon gone' });
  await apply.react(gone!, ben, '😂');
  await apply.delete(gone!);
  await apply.hide(ben, hidden!);
  return { ann, ben, ids: { edited: edited!, reacted: reacted!, gone: gone!, quoting: quoting!, hidden: hidden!, last: last! } };
}

const REACTED = [
  { emoji: '👍', users: ['BEN', 'ANN'] },
  { emoji: '❤️', users: ['ANN'] },
];
const reactedBy = (ann: string, ben: string) => REACTED.map((r) => ({ emoji: r.emoji, users: r.users.map((u) => (u === 'ANN' ? ann : ben)) }));

describe('1:1 history', () => {
  it('pages show edits, deletes, quotes and reactions, and leave out what the reader hid (only for them)', async () => {
    const { ann, ben, ids } = await shapedConversation();
    const page = await repos().messages.page(ben, ann, undefined, 50);
    expect(texts(page!.messages)).toEqual(['last', 'quoting', '', 'reacted to', 'final']);
    const at = (id: string) => page!.messages.find((m) => m.id === id);
    expect(at(ids.edited)?.editedAt).toBe('2026-03-01T00:00:00.000Z');
    expect(at(ids.reacted)?.reactions).toEqual(reactedBy(ann, ben));
    expect(at(ids.gone)).toEqual({ id: ids.gone, from: ann, to: ben, text: '', sentAt: expect.any(String), state: 'sent', deleted: true });
    expect(at(ids.quoting)?.replyTo).toEqual({ id: ids.gone, from: ann, text: '', deleted: true });
    expect(at(ids.last)).not.toHaveProperty('reactions');
    // ann did not hide it: she still has it.
    expect(texts((await repos().messages.page(ann, ben, undefined, 50))!.messages)).toEqual(['last', 'hidden by ben', 'quoting', '', 'reacted to', 'final']);
    // Paging past a hidden message skips it and counts only what is shown.
    const first = await repos().messages.page(ben, ann, undefined, 2);
    expect(texts(first!.messages)).toEqual(['last', 'quoting']);
    expect(texts((await repos().messages.page(ben, ann, first!.nextBefore!, 2))!.messages)).toEqual(['', 'reacted to']);
  });

  it('pages around and after a message show the same, reactions included', async () => {
    const { ann, ben, ids } = await shapedConversation();
    const around = await repos().window.conversation(ben, ann, { around: ids.reacted }, 50);
    expect(texts(around!.messages)).toEqual(['last', 'quoting', '', 'reacted to', 'final']);
    expect(around!.messages.find((m) => m.id === ids.reacted)?.reactions).toEqual(reactedBy(ann, ben));
    expect(around!.messages.find((m) => m.id === ids.gone)?.deleted).toBe(true);
    const after = await repos().window.conversation(ben, ann, { after: ids.edited }, 50);
    expect(texts(after!.messages)).toEqual(['last', 'quoting', '', 'reacted to']);
    expect(after!.messages.find((m) => m.id === ids.reacted)?.reactions).toEqual(reactedBy(ann, ben));
    expect(texts((await repos().window.conversation(ann, ben, { after: ids.edited }, 50))!.messages)).toContain('hidden by ben');
  });
});

describe('group history', () => {
  it("pages show the reactions every copy shares, the member's own hides, deletes and edits", async () => {
    const [ann, ben, cat] = [name('ann'), name('ben'), name('cat')];
    const group = { id: randomUUID(), name: 'Hikers' };
    const members = [ann, ben, cat];
    const one = await groupSend(group, ann, members, 'one');
    const two = await groupSend(group, ben, members, 'two');
    const three = await groupSend(group, cat, members, 'three');
    const four = await groupSend(group, ann, members, 'four');
    await apply.react(one, cat, '🙏', '2026-03-01T00:00:01.000Z');
    await apply.react(one, ben, '👍', '2026-03-01T00:00:02.000Z');
    await apply.react(one, ann, '🙏', '2026-03-01T00:00:03.000Z');
    await apply.edit(two, 'two, edited', '2026-03-01T00:00:04.000Z');
    await apply.delete(three);
    await apply.hide(cat, four);

    const seenBy = async (member: string) => (await repos().groupMessages.groupPage(member, group.id, undefined, 50))!.messages;
    const cats = await seenBy(cat);
    expect(texts(cats)).toEqual(['', 'two, edited', 'one']);
    expect(cats.every((m) => m.to === cat)).toBe(true);
    expect(cats.find((m) => m.id === one)?.reactions).toEqual([
      { emoji: '🙏', users: [cat, ann] },
      { emoji: '👍', users: [ben] },
    ]);
    expect(cats.find((m) => m.id === two)?.editedAt).toBe('2026-03-01T00:00:04.000Z');
    expect(cats.find((m) => m.id === three)).toMatchObject({ text: '', deleted: true });
    expect(texts(await seenBy(ben))).toEqual(['four', '', 'two, edited', 'one']);
    const around = await repos().window.group(ben, group.id, { around: two }, 50);
    expect(around!.messages.find((m) => m.id === one)?.reactions).toHaveLength(2);
    expect(texts((await repos().window.group(cat, group.id, { after: one }, 50))!.messages)).toEqual(['', 'two, edited']);
  });
});

describe('lists', () => {
  it("a conversation's last message shows deleted once deleted, and gives way to the one before once hidden", async () => {
    const [ann, ben, cat] = [name('ann'), name('ben'), name('cat')];
    const [, second] = await direct(ann, ben, 'first', 'second');
    await apply.react(second!, ben, '👍');
    const last = async (owner: string, peer: string) => (await repos().messages.conversations(owner, 50)).find((c) => c.peer === peer)?.lastMessage;
    expect(await last(ben, ann)).toMatchObject({ text: 'second', reactions: [{ emoji: '👍', users: [ben] }] });
    await apply.hide(ben, second!);
    expect(await last(ben, ann)).toMatchObject({ text: 'first' });
    expect(await last(ann, ben)).toMatchObject({ text: 'second' });
    expect((await repos().messages.conversationsWith(ben, [ann]))[0]?.lastMessage).toMatchObject({ text: 'first' });

    const [only] = await direct(cat, ben, 'only one');
    await apply.delete(only!);
    expect(await last(ben, cat)).toMatchObject({ id: only, text: '', deleted: true });
    await apply.hide(ben, only!);
    // Nothing left to show: the conversation stays listed, with no last message.
    expect((await repos().messages.conversations(ben, 50)).find((c) => c.peer === cat)).toMatchObject({ lastMessage: null });
  });

  it("a group's last message as each member sees it: their hides, deletes and the shared reactions", async () => {
    const [ann, ben] = [name('ann'), name('ben')];
    const group = { id: randomUUID(), name: 'Hikers' };
    await db.insertInto('users').values([ann, ben].map((username) => ({ username, password_hash: 'x', created_at: tick(), owner: null, display_name: null, deleted_at: null }))).execute();
    await repos().groups.create({ id: group.id, name: group.name, created_by: ann, created_at: tick() }, ann, [ben]);
    const first = await groupSend(group, ann, [ann, ben], 'first');
    const second = await groupSend(group, ben, [ann, ben], 'second');
    await apply.react(first, ann, '👍');
    await apply.hide(ann, second);
    const lastOf = async (member: string) => {
      const [row] = await repos().groups.listFor(member, group.id);
      return (await repos().groupMessages.lastInGroups(member, [row!.last_message_id!])).get(row!.last_message_id!);
    };
    expect(await lastOf(ann)).toMatchObject({ id: first, text: 'first', to: ann, reactions: [{ emoji: '👍', users: [ann] }] });
    expect(await lastOf(ben)).toMatchObject({ id: second, text: 'second', to: ben });
    const views = await repos().groups.viewsFor(group.id, [ann, ben]);
    expect(Object.fromEntries(views!.views.map((v) => [v.username, v.lastMessage?.text]))).toEqual({ [ann]: 'first', [ben]: 'second' });
    await apply.delete(second);
    expect(await lastOf(ben)).toMatchObject({ id: second, text: '', deleted: true });
  });
});

describe('unread counts', () => {
  it('leave out what the reader hid, once they read', async () => {
    const [ann, ben] = [name('ann'), name('ben')];
    const [first, , third] = await direct(ann, ben, 'one', 'two', 'three');
    await apply.hide(ben, third!);
    const unread = async () => (await repos().messages.conversations(ben, 50)).find((c) => c.peer === ann)?.unread;
    await repos().messages.markRead(ben, ann, first!, tick());
    expect(await unread()).toBe(1);

    const cat = name('cat');
    const group = { id: randomUUID(), name: 'Hikers' };
    const one = await groupSend(group, ann, [ann, cat], 'one');
    const two = await groupSend(group, ann, [ann, cat], 'two');
    await apply.hide(cat, two);
    await repos().groupMessages.markGroupRead(cat, group.id, one, tick());
    const [row] = await db.selectFrom('conversations').select('unread').where('owner', '=', cat).where('peer', '=', `#${group.id}`).execute();
    expect(row?.unread).toBe(0);
  });
});

describe('search', () => {
  it('never finds a deleted message, nor one the searcher hid; finds an edit by its new words only', async () => {
    const [ann, ben] = [name('ann'), name('ben')];
    const w = `quokka${randomUUID().slice(0, 6)}`;
    const [kept, gone, hidden, edited] = await direct(ann, ben, `${w} kept`, `${w} gone`, `${w} hidden`, `${w} before`);
    await apply.react(kept!, ben, '👍');
    await apply.delete(gone!);
    await apply.hide(ben, hidden!);
    await apply.edit(edited!, `${w} afterwards`);
    const found = async (who: string, q: string) => (await repos().search.search(who, q, { kind: 'all' }, undefined, 20))!.found.map((f) => f.message);
    expect(texts(await found(ben, w))).toEqual([`${w} afterwards`, `${w} kept`]);
    expect((await found(ben, w))[1]?.reactions).toEqual([{ emoji: '👍', users: [ben] }]);
    expect(texts(await found(ann, w))).toEqual([`${w} afterwards`, `${w} hidden`, `${w} kept`]);
    expect(texts(await found(ann, `${w} before`))).toEqual([]);
    expect(texts(await found(ann, `${w} gone`))).toEqual([]);
    expect(texts(await found(ben, `${w} hidden`))).toEqual([]);
    // Within the conversation too.
    expect(texts((await repos().search.search(ben, w, { kind: 'direct', peer: ann }, undefined, 20))!.found.map((f) => f.message))).toEqual([`${w} afterwards`, `${w} kept`]);
  });

  it("drops a deleted message's text from the store's index itself", async () => {
    const [ann, ben] = [name('ann'), name('ben')];
    const w = `wombat${randomUUID().slice(0, 6)}`;
    const [gone] = await direct(ann, ben, `${w} gone`);
    await apply.delete(gone!);
    const indexed =
      dialect === 'sqlite'
        ? await sql<{ n: number }>`SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH ${`"${w}"`}`.execute(db)
        : await sql<{ n: number }>`SELECT count(*) AS n FROM messages WHERE text_search @@ to_tsquery('simple', ${`'${w}'`})`.execute(db);
    expect(Number(indexed.rows[0]?.n)).toBe(0);
  });
});

describe('catch-up', () => {
  it('sends a message deleted before delivery as deleted, with its edits, quotes and reactions; never one the recipient hid', async () => {
    const [ann, ben] = [name('ann'), name('ben')];
    const [gone, edited, hidden, reply] = await direct(ann, ben, 'gone', 'edited', 'hidden', 'reply');
    await apply.delete(gone!);
    await apply.edit(edited!, 'edited twice', '2026-03-01T00:00:00.000Z');
    await apply.react(edited!, ann, '👍');
    await apply.hide(ben, hidden!);
    await apply.quote(reply!, { id: edited!, from: ann, text: 'edited' });
    const pending = (await repos().messages.undelivered(ben, 100)).map((p) => p.message);
    expect(pending.map((m) => [m.text, m.deleted ?? false])).toEqual([
      ['', true],
      ['edited twice', false],
      ['reply', false],
    ]);
    expect(pending[1]).toMatchObject({ editedAt: '2026-03-01T00:00:00.000Z', reactions: [{ emoji: '👍', users: [ann] }] });
    expect(pending[2]?.replyTo).toEqual({ id: edited, from: ann, text: 'edited' });
  });
});
