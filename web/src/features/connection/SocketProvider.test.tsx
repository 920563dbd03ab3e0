import { SOCKET_PATH, type Conversation } from '@messenger/protocol';
import type { CreateSocket } from '@messenger/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, render, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryKeys } from '../../api/keys';
import type { MessagesData } from '../../api/messages';
import { FakeSocket, goLive, jsonResponse, msg, settle, testQueryClient } from '../../test/fixtures';
import { flattenMessages } from '../messages/messageCache';
import { connection } from './liveState';
import { SocketProvider } from './SocketProvider';

afterEach(() => vi.unstubAllGlobals());

/** Rendered and connected (subscribe() connects after it returns), not yet caught up. */
async function setup() {
  const client = testQueryClient();
  const fake = new FakeSocket();
  const made: Parameters<CreateSocket>[] = [];
  const empty: MessagesData = { pages: [{ messages: [], nextBefore: null }], pageParams: [null] };
  client.setQueryData(queryKeys.messages('bob'), empty);
  client.setQueryData<Conversation[]>(queryKeys.conversations, []);
  const onSessionEnded = vi.fn();
  render(
    <QueryClientProvider client={client}>
      <SocketProvider
        me="alice"
        connect={(...args) => {
          made.push(args);
          return fake.asSocket();
        }}
        onSessionEnded={onSessionEnded}
      >
        <div />
      </SocketProvider>
    </QueryClientProvider>,
  );
  await settle();
  const texts = () => flattenMessages(client.getQueryData<MessagesData>(queryKeys.messages('bob'))).map((m) => m.text);
  const conversation = () => client.getQueryData<Conversation[]>(queryKeys.conversations)?.find((c) => c.peer === 'bob');
  return { client, fake, texts, conversation, onSessionEnded, made };
}

describe('SocketProvider', () => {
  it('connects as the web client, on the page’s own origin, with the session cookie and no token', async () => {
    const { made } = await setup();
    expect(made).toHaveLength(1);
    const [url, options] = made[0]!;
    expect(url).toBe('');
    expect(options).toMatchObject({ path: SOCKET_PATH, auth: { client: 'web' }, withCredentials: true, reconnectionDelayMax: 5000 });
    expect(options.auth).not.toHaveProperty('token');
  });

  it('dedupes catch-up and live by id, in order, and acknowledges each once', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"conversations":[]}', { status: 200 })));
    const { fake, texts, conversation } = await setup();
    const [m1, m2, m3] = [msg({ text: 'one' }), msg({ text: 'two' }), msg({ text: 'three' })];
    act(() => {
      fake.fire('message:batch', { messages: [m1, m2] });
      fake.fire('message:new', { message: m2, readingNow: false });
      fake.fire('message:new', { message: m3, readingNow: false });
      fake.fire('message:new', { message: m3, readingNow: false });
      fake.fire('sync:done', { delivered: 2 });
    });
    await settle();
    expect(texts()).toEqual(['one', 'two', 'three']);
    const acked = fake.sent('message:ack').flatMap((a) => a.ids);
    expect(acked.sort()).toEqual([m1.id, m2.id, m3.id].sort());
    // Live m3 counted once though it came twice; the batch is already in the server's count.
    expect(conversation()?.unread).toBe(1);
    expect(conversation()?.lastMessage?.text).toBe('three');
    expect(connection.get().status).toBe('live');
  });

  it('acknowledges a repeat again after a reconnect (the first ack may be lost with the old socket), not on the same connection', async () => {
    const { fake } = await setup();
    await goLive(fake);
    const m1 = msg({ text: 'once' });
    act(() => fake.fire('message:new', { message: m1, readingNow: false }));
    await settle();
    act(() => fake.fire('message:new', { message: m1, readingNow: false }));
    await settle();
    expect(fake.sent('message:ack').flatMap((a) => a.ids)).toEqual([m1.id]);
    act(() => {
      fake.disconnect();
      fake.fire('disconnect', 'transport close');
      fake.connect();
    });
    await goLive(fake, [m1]);
    expect(fake.sent('message:ack').flatMap((a) => a.ids)).toEqual([m1.id, m1.id]);
  });

  it('ignores payloads that do not match the protocol', async () => {
    const { fake, texts } = await setup();
    await goLive(fake);
    act(() => {
      fake.fire('message:new', { message: { ...msg({ text: 'bad' }), id: 'not-a-uuid' }, readingNow: false });
      fake.fire('message:batch', { messages: 'nope' });
      fake.fire('receipt:update', { peer: 'bob', ids: ['x'], state: 'eaten', at: 'now' });
    });
    await settle();
    expect(texts()).toEqual([]);
    expect(fake.sent('message:ack')).toEqual([]);
  });

  it('after a reconnect, fills the gap from history without duplicates', async () => {
    const m1 = msg({ text: 'before' });
    const fromOtherScreen = msg({ text: 'sent from my phone', from: 'alice', to: 'bob', state: 'delivered' });
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) =>
        url.startsWith('/api/conversations/bob/messages')
          ? new Response(JSON.stringify({ messages: [fromOtherScreen, m1], nextBefore: null }), { status: 200 })
          : new Response('{"conversations":[]}', { status: 200 }),
      ),
    );
    const { fake, texts } = await setup();
    await goLive(fake, [m1]);
    expect(connection.get()).toMatchObject({ status: 'live', caughtUpAt: null });
    act(() => {
      fake.disconnect();
      fake.fire('disconnect', 'transport close');
    });
    expect(connection.get().status).toBe('reconnecting');
    act(() => void fake.connect());
    expect(connection.get().status).toBe('syncing');
    await goLive(fake, [m1]);
    await waitFor(() => expect(texts()).toEqual(['before', 'sent from my phone']));
    expect(connection.get().caughtUpAt).not.toBeNull();
  });

  it('applies message:update state-based: the newest change wins, a late older one is ignored, hidden removes, the preview follows, each change id acknowledged', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"conversations":[]}', { status: 200 })));
    const { client, fake, texts, conversation } = await setup();
    const m1 = msg({ text: 'first' });
    const m2 = msg({ text: 'second' });
    await goLive(fake, [m1, m2]);
    const change = (n: number, kind: 'edit' | 'hide') => ({ id: `0192f5a4-7c1e-7a3b-9c4d-${(9000 + n).toString(16).padStart(12, '0')}`, kind, by: 'bob', at: new Date(Date.UTC(2026, 10, 30, 12, 0, n)).toISOString() });
    const [newer, older, hide] = [change(2, 'edit'), change(1, 'edit'), change(3, 'hide')];
    // The preview is the newest message once the list knows it.
    client.setQueryData<Conversation[]>(queryKeys.conversations, [{ peer: 'bob', online: false, unread: 0, muted: false, pinned: false, archived: false, markedUnread: false, lastMessage: m2 }]);
    act(() => {
      fake.fire('message:update', { change: newer, message: { ...m2, text: 'second, edited', editedAt: newer.at } });
      fake.fire('message:update', { change: older, message: { ...m2, text: 'second, first edit', editedAt: older.at } });
    });
    await settle();
    expect(texts()).toEqual(['first', 'second, edited']);
    expect(conversation()?.lastMessage).toMatchObject({ text: 'second, edited', editedAt: newer.at });
    act(() => fake.fire('message:update', { change: { ...hide, by: 'alice' }, message: m1, hidden: true }));
    await settle();
    expect(texts()).toEqual(['second, edited']);
    const acked = fake.sent('message:ack').flatMap((a) => a.ids);
    expect(acked).toEqual(expect.arrayContaining([newer.id, older.id, hide.id]));
  });

  it('applies updates that came during the catch-up after its messages, and acknowledges them', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"conversations":[]}', { status: 200 })));
    const { fake, texts } = await setup();
    const m1 = msg({ text: 'typo' });
    const change = { id: '0192f5a4-7c1e-7a3b-9c4d-00000000c0de', kind: 'edit' as const, by: 'bob', at: '2026-11-30T12:00:00.000Z' };
    await settle();
    act(() => {
      fake.fire('message:batch', { messages: [m1] });
      fake.fire('message:update', { change, message: { ...m1, text: 'fixed', editedAt: change.at } });
      fake.fire('sync:done', { delivered: 1 });
    });
    await settle();
    expect(texts()).toEqual(['fixed']);
    expect(fake.sent('message:ack').flatMap((a) => a.ids)).toEqual(expect.arrayContaining([m1.id, change.id]));
  });

  it('after a reconnect, takes edits and deletes it missed from history (another tab acknowledged their updates)', async () => {
    const m1 = msg({ text: 'kept' });
    const m2 = msg({ text: 'to be edited' });
    const hiddenElsewhere = msg({ text: 'deleted for me on my phone' });
    const m4 = msg({ text: 'newest' });
    const edited = { ...m2, text: 'edited on the other side', editedAt: '2026-11-30T12:00:00.000Z', reactions: [{ emoji: '👍', users: ['alice'] }] };
    const deleted = { ...m4, text: '', deleted: true as const };
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) =>
        url.startsWith('/api/conversations/bob/messages')
          ? new Response(JSON.stringify({ messages: [deleted, edited, m1], nextBefore: null }), { status: 200 })
          : new Response('{"conversations":[]}', { status: 200 }),
      ),
    );
    const { client, fake, texts } = await setup();
    await goLive(fake, [m1, m2, hiddenElsewhere, m4]);
    act(() => {
      fake.disconnect();
      fake.fire('disconnect', 'transport close');
    });
    act(() => void fake.connect());
    await goLive(fake);
    await waitFor(() => expect(texts()).toEqual(['kept', 'edited on the other side', '']));
    const held = flattenMessages(client.getQueryData<MessagesData>(queryKeys.messages('bob')));
    expect(held[1]).toMatchObject({ editedAt: edited.editedAt, reactions: edited.reactions });
    expect(held[2]).toMatchObject({ deleted: true });
  });

  it('tells the server which conversation is on screen, at each connect and on each change', async () => {
    const { fake } = await setup();
    expect(fake.sent('focus:set')).toHaveLength(1);
    const { setOpenPeer } = await import('./viewState');
    act(() => setOpenPeer('bob'));
    expect(fake.sent('focus:set').at(-1)).toEqual({ peer: 'bob' });
    act(() => setOpenPeer(null));
    expect(fake.sent('focus:set').at(-1)).toEqual({ peer: null });
  });

  it('shows “connecting” while a first attempt fails, “reconnecting” once a connection was up', async () => {
    const { fake } = await setup();
    act(() => {
      fake.disconnect();
      fake.fire('disconnect', 'transport close');
    });
    expect(connection.get().status).toBe('reconnecting');
    act(() => fake.fire('connect_error' as never, new Error('xhr poll error') as never));
    expect(connection.get().status).toBe('connecting');
    act(() => void fake.connect());
    await goLive(fake);
    act(() => {
      fake.disconnect();
      fake.fire('disconnect', 'transport close');
      fake.fire('connect_error' as never, new Error('xhr poll error') as never);
    });
    expect(connection.get()).toMatchObject({ status: 'reconnecting', everConnected: true });
  });
});

describe('receipts', () => {
  it('applies every change of a coalesced receipt:update frame, the first and those in `more`', async () => {
    const { client, fake } = await setup();
    await goLive(fake);
    const empty: MessagesData = { pages: [{ messages: [], nextBefore: null }], pageParams: [null] };
    client.setQueryData(queryKeys.messages('carol'), empty);
    const toBob = msg({ text: 'to bob', from: 'alice', to: 'bob' });
    const toCarol = msg({ text: 'to carol', from: 'alice', to: 'carol' });
    act(() => {
      fake.fire('message:new', { message: toBob, readingNow: false });
      fake.fire('message:new', { message: toCarol, readingNow: false });
    });
    await settle();
    const at = new Date().toISOString();
    act(() =>
      fake.fire('receipt:update', { peer: 'bob', ids: [toBob.id], state: 'delivered', at, more: [{ peer: 'carol', ids: [toCarol.id], state: 'delivered', at }] }),
    );
    const state = (peer: string, id: string) => flattenMessages(client.getQueryData<MessagesData>(queryKeys.messages(peer))).find((m) => m.id === id)?.state;
    expect(state('bob', toBob.id)).toBe('delivered');
    expect(state('carol', toCarol.id)).toBe('delivered');
  });
});

describe('own messages echoed back', () => {
  it('an echo that beats the 202 hides the pending copy, so the message shows once', async () => {
    const { outbox, addToOutbox } = await import('../messages/outbox');
    const { buildRows } = await import('../messages/rows');
    const { fake } = await setup();
    await goLive(fake);
    addToOutbox({ key: 'k1', to: 'bob', text: 'same', createdAt: new Date().toISOString(), status: 'sending' });
    addToOutbox({ key: 'k2', to: 'bob', text: 'same', createdAt: new Date().toISOString(), status: 'sending' });
    const echo = msg({ text: 'same', from: 'alice', to: 'bob' });
    act(() => fake.fire('message:new', { message: echo, readingNow: false }));
    await settle();
    const pending = outbox.get();
    expect(pending.find((e) => e.key === 'k1')?.echoOf).toBe(echo.id);
    expect(pending.find((e) => e.key === 'k2')?.echoOf).toBeUndefined();
    const rows = buildRows([echo], pending, 'alice');
    expect(rows.filter((r) => r.kind !== 'day')).toHaveLength(2);
    outbox.set([]);
  });
});

describe('refused handshakes', () => {
  it('retries a handshake refused by the server’s limits after the hinted wait; unauthorized ends the session once /api/me agrees', async () => {
    // /api/me first as a server that cannot check sessions just now, then as one that knows this one is over.
    let meStatus = 503;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) =>
        url === '/api/me' ? jsonResponse(meStatus, { error: { code: meStatus === 401 ? 'unauthorized' : 'unavailable', message: 'no' } }) : jsonResponse(200, { conversations: [] }),
      ),
    );
    vi.useFakeTimers();
    try {
      const { fake, onSessionEnded } = await setup();
      const refuse = (code: string, data?: unknown) =>
        act(() => {
          fake.disconnect();
          fake.fire('connect_error' as never, Object.assign(new Error(code), { data }) as never);
        });
      const wait = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));
      refuse('rate_limited', { code: 'rate_limited', retryAfterSeconds: 7 });
      await wait(6_900);
      expect(fake.connected).toBe(false);
      await wait(200);
      expect(fake.connected).toBe(true);

      refuse('too_many_sockets');
      await wait(1_600);
      expect(fake.connected).toBe(true);

      refuse('unauthorized');
      await wait(60_000);
      expect(fake.connected).toBe(true);
      expect(onSessionEnded).not.toHaveBeenCalled();

      meStatus = 401;
      refuse('unauthorized');
      await wait(60_000);
      expect(fake.connected).toBe(false);
      expect(onSessionEnded).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('ends the session when the server revokes it', async () => {
    const { fake, onSessionEnded } = await setup();
    act(() => fake.fire('session:revoked', { reason: 'logged out' }));
    expect(onSessionEnded).toHaveBeenCalledTimes(1);
    expect(fake.connected).toBe(false);
  });
});

describe('1:1 conversations with bots', () => {
  it('shows no notification for a message in a muted 1:1 conversation', async () => {
    const shown: string[] = [];
    vi.stubGlobal(
      'Notification',
      class {
        static permission = 'granted';
        onclick = null;
        constructor(title: string) {
          shown.push(title);
        }
        close() {}
      },
    );
    vi.spyOn(document, 'hasFocus').mockReturnValue(false);
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"conversations":[]}', { status: 200 })));
    const { client, fake } = await setup();
    await goLive(fake);
    // The server's setting, as the cached conversation list holds it.
    const setMuted = (muted: boolean) =>
      client.setQueryData<Conversation[]>(queryKeys.conversations, [{ peer: 'bob', online: false, unread: 0, muted, pinned: false, archived: false, markedUnread: false, lastMessage: null }]);
    try {
      setMuted(true);
      act(() => fake.fire('message:new', { message: msg({ text: 'quiet', from: 'bob' }), readingNow: false }));
      await settle();
      expect(shown).toEqual([]);
      setMuted(false);
      act(() => fake.fire('message:new', { message: msg({ text: 'loud', from: 'bob' }), readingNow: false }));
      // Titled once the sender's display name is looked up (here the server has none: the username).
      await waitFor(() => expect(shown).toEqual(['bob']));
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('a conversation that starts live learns whether its peer is a bot', async () => {
    const asked: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        asked.push(url);
        return new Response(JSON.stringify({ users: [{ username: 'bob', online: false, bot: true }] }), { status: 200 });
      }),
    );
    const { fake, conversation } = await setup();
    await goLive(fake);
    act(() => fake.fire('message:new', { message: msg({ text: 'build passed', from: 'bob' }), readingNow: false }));
    await waitFor(() => expect(conversation()?.bot).toBe(true));
    expect(asked).toEqual(['/api/people?q=bob&limit=1']);
    // Known now: the next message asks nothing.
    act(() => fake.fire('message:new', { message: msg({ text: 'deploy done', from: 'bob' }), readingNow: false }));
    await settle();
    expect(conversation()?.lastMessage?.text).toBe('deploy done');
    expect(asked).toHaveLength(1);
  });
});

describe('profile:update', () => {
  it('writes a changed profile where every screen reads it (mine into /api/me too), and drops a malformed one', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"conversations":[]}', { status: 200 })));
    const { client, fake } = await setup();
    client.setQueryData(queryKeys.me, { username: 'alice', sessionExpiresAt: null, scopes: [] });
    await goLive(fake);
    const bob = { username: 'bob', displayName: 'Bob Builder', avatarUrl: '/api/users/bob/avatar?v=00112233aabbccdd' };
    act(() => {
      fake.fire('profile:update', bob);
      fake.fire('profile:update', { username: 'alice', displayName: 'Alice', avatarUrl: null });
      fake.fire('profile:update', { username: 'carol', displayName: 'Carol', avatarUrl: 'https://evil.example/x.svg' });
    });
    expect(client.getQueryData(queryKeys.profile('bob'))).toEqual(bob);
    expect(client.getQueryData(queryKeys.me)).toMatchObject({ username: 'alice', displayName: 'Alice', avatarUrl: null });
    // Not a same-origin avatar path: the contract refuses it, nothing is cached.
    expect(client.getQueryData(queryKeys.profile('carol'))).toBeUndefined();
  });
});
