// Message actions (issue 18), the read side over REST: what the store holds after changes
// (written here as the change applier leaves it) reaches clients through the routes' response
// schemas, which serialize only the keys they name: history, the conversation list and search.
import { ApiPaths, type ConversationsResponse, type MessagesPage, type SearchResponse } from '@messenger/protocol';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { appPerFile, bearer, register, send } from './helpers/app.js';
import { waitUntil } from './helpers/wait.js';

const t = appPerFile();

async function get<T>(token: string, url: string): Promise<T> {
  const res = await t.app.inject({ method: 'GET', url, headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<T>();
}

describe('message actions over REST', () => {
  it('history, the conversation list and search carry edits, quotes, reactions and deletes, and leave out what the reader hid', async () => {
    const [ann, ben] = await Promise.all([register(t), register(t)]);
    const w = `numbat${randomUUID().slice(0, 6)}`;
    const ids: string[] = [];
    for (const text of [`${w} first`, `${w} deleted`, `${w} reply`, `${w} hidden`]) {
      const res = await send(t, ann.token, ben.username, text);
      expect(res.statusCode, res.body).toBe(202);
      ids.push(res.json<{ id: string }>().id);
    }
    const [first, deleted, reply, hidden] = ids as [string, string, string, string];
    const history = () => get<MessagesPage>(ben.token, ApiPaths.messages(ann.username));
    await waitUntil(async () => (await history()).messages.length === 4, 15_000, 'four stored');

    const db = t.app.database.db;
    const at = new Date().toISOString();
    await db.updateTable('messages').set({ text: `${w} first, edited`, edited_at: at }).where('id', '=', first).execute();
    await db.insertInto('message_reactions').values({ message_id: first, username: ben.username, emoji: '👍', reacted_at: at }).execute();
    await db.updateTable('messages').set({ reply_to_id: deleted, reply_to_sender: ann.username, reply_to_text: '' }).where('id', '=', reply).execute();
    await db.updateTable('messages').set({ text: '', deleted_at: at }).where('id', '=', deleted).execute();
    await db.insertInto('hidden_messages').values({ username: ben.username, message_id: hidden, hidden_at: at }).execute();

    const page = await history();
    expect(page.messages.map((m) => m.id)).toEqual([reply, deleted, first]);
    expect(page.messages[0]?.replyTo).toEqual({ id: deleted, from: ann.username, text: '', deleted: true });
    expect(page.messages[1]).toMatchObject({ text: '', deleted: true });
    expect(page.messages[2]).toMatchObject({ text: `${w} first, edited`, editedAt: at, reactions: [{ emoji: '👍', users: [ben.username] }] });
    // ann did not hide it.
    expect((await get<MessagesPage>(ann.token, ApiPaths.messages(ben.username))).messages).toHaveLength(4);

    const list = await get<ConversationsResponse>(ben.token, ApiPaths.conversations);
    expect(list.conversations.find((c) => c.peer === ann.username)?.lastMessage?.id).toBe(reply);

    const found = await get<SearchResponse>(ben.token, `${ApiPaths.search}?q=${w}`);
    expect(found.results.map((r) => r.message.text)).toEqual([`${w} reply`, `${w} first, edited`]);
    expect(found.results[1]?.message.reactions).toEqual([{ emoji: '👍', users: [ben.username] }]);
  });
});
