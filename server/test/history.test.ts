import type { ConversationsResponse, MessagesPage } from '@messenger/protocol';
import { describe, expect, it } from 'vitest';
import { appPerFile, bearer, collectMessages, connect, register, send, waitFor, type TestApp } from './helpers/app.js';

const t = appPerFile();

async function stored(t: TestApp, token: string, peer: string, n: number) {
  // The history consumer stores asynchronously; a socket sees each message only after it is stored.
  const socket = await connect(t, token);
  const inbox = collectMessages(socket);
  await inbox.until(n);
  socket.close();
}

describe('history', () => {
  it('lists conversations by recency with unread counts, pages history, and records reads', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const carol = await register(t);
    for (let i = 0; i < 7; i++) await send(t, alice.token, bob.username, `a${i}`);
    await send(t, carol.token, bob.username, 'from carol');
    await stored(t, bob.token, alice.username, 8);

    const list = await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(bob.token) });
    const { conversations } = list.json<ConversationsResponse>();
    expect(conversations.map((c) => [c.peer, c.unread, c.lastMessage?.text])).toEqual([
      [carol.username, 1, 'from carol'],
      [alice.username, 7, 'a6'],
    ]);

    const page1 = (
      await t.app.inject({ method: 'GET', url: `/api/conversations/${alice.username}/messages?limit=3`, headers: bearer(bob.token) })
    ).json<MessagesPage>();
    expect(page1.messages.map((m) => m.text)).toEqual(['a6', 'a5', 'a4']);
    const page2 = (
      await t.app.inject({
        method: 'GET',
        url: `/api/conversations/${alice.username}/messages?limit=3&before=${page1.nextBefore}`,
        headers: bearer(bob.token),
      })
    ).json<MessagesPage>();
    expect(page2.messages.map((m) => m.text)).toEqual(['a3', 'a2', 'a1']);

    const aliceSocket = await connect(t, alice.token);
    const upTo = page1.messages[1]?.id ?? '';
    const receipt = waitFor(aliceSocket, 'receipt:update', (r) => r.state === 'read');
    const read = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${alice.username}/read`,
      headers: bearer(bob.token),
      payload: { upTo },
    });
    expect(read.statusCode).toBe(200);
    const r = await receipt;
    expect(r.peer).toBe(bob.username);
    expect(r.ids).toHaveLength(6);
    aliceSocket.close();

    const after = (await t.app.inject({ method: 'GET', url: '/api/conversations', headers: bearer(bob.token) })).json<ConversationsResponse>();
    expect(after.conversations.find((c) => c.peer === alice.username)?.unread).toBe(1);
    const aliceView = (
      await t.app.inject({ method: 'GET', url: `/api/conversations/${bob.username}/messages?limit=2`, headers: bearer(alice.token) })
    ).json<MessagesPage>();
    expect(aliceView.messages.map((m) => [m.text, m.state])).toEqual([
      ['a6', 'sent'],
      ['a5', 'read'],
    ]);
  });

  it('answers 404 for a read of a message that is not in the conversation', async () => {
    const alice = await register(t);
    const bob = await register(t);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/conversations/${alice.username}/read`,
      headers: bearer(bob.token),
      payload: { upTo: '0192f5a4-7c1e-7a3b-9c4d-1e2f3a4b5c6d' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('message_not_found');
  });
});
