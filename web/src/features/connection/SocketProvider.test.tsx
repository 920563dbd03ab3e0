import type { Conversation } from '@messenger/protocol';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, render, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryKeys } from '../../api/keys';
import type { MessagesData } from '../../api/messages';
import { FakeSocket, msg, testQueryClient } from '../../test/fixtures';
import { flattenMessages } from '../messages/messageCache';
import { connection } from './liveState';
import { SocketProvider } from './SocketProvider';

afterEach(() => vi.unstubAllGlobals());

function setup() {
  const client = testQueryClient();
  const fake = new FakeSocket();
  const empty: MessagesData = { pages: [{ messages: [], nextBefore: null }], pageParams: [null] };
  client.setQueryData(queryKeys.messages('bob'), empty);
  client.setQueryData<Conversation[]>(queryKeys.conversations, []);
  const onSessionEnded = vi.fn();
  render(
    <QueryClientProvider client={client}>
      <SocketProvider me="alice" connect={() => fake.asSocket()} onSessionEnded={onSessionEnded}>
        <div />
      </SocketProvider>
    </QueryClientProvider>,
  );
  act(() => void fake.connect());
  const texts = () => flattenMessages(client.getQueryData<MessagesData>(queryKeys.messages('bob'))).map((m) => m.text);
  const conversation = () => client.getQueryData<Conversation[]>(queryKeys.conversations)?.find((c) => c.peer === 'bob');
  return { client, fake, texts, conversation, onSessionEnded };
}

describe('SocketProvider', () => {
  it('dedupes catch-up and live by id, in order, and acknowledges each once', () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"conversations":[]}', { status: 200 })));
    const { fake, texts, conversation } = setup();
    const [m1, m2, m3] = [msg({ text: 'one' }), msg({ text: 'two' }), msg({ text: 'three' })];
    act(() => {
      fake.fire('message:batch', { messages: [m1, m2] });
      fake.fire('message:new', { message: m2, readingNow: false });
      fake.fire('message:new', { message: m3, readingNow: false });
      fake.fire('message:new', { message: m3, readingNow: false });
      fake.fire('sync:done', { delivered: 2 });
    });
    expect(texts()).toEqual(['one', 'two', 'three']);
    const acked = fake.sent('message:ack').flatMap((a) => a.ids);
    expect(acked.sort()).toEqual([m1.id, m2.id, m3.id].sort());
    // Live m3 counted once though it came twice; the batch is already in the server's count.
    expect(conversation()?.unread).toBe(1);
    expect(conversation()?.lastMessage?.text).toBe('three');
    expect(connection.get().status).toBe('live');
  });

  it('ignores payloads that do not match the protocol', () => {
    const { fake, texts } = setup();
    act(() => {
      fake.fire('message:new', { message: { ...msg({ text: 'bad' }), id: 'not-a-uuid' }, readingNow: false });
      fake.fire('message:batch', { messages: 'nope' });
      fake.fire('receipt:update', { peer: 'bob', ids: ['x'], state: 'eaten', at: 'now' });
    });
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
    const { fake, texts } = setup();
    act(() => {
      fake.fire('message:batch', { messages: [m1] });
      fake.fire('sync:done', { delivered: 1 });
      fake.fire('disconnect', 'transport close');
    });
    expect(connection.get().status).toBe('reconnecting');
    await act(async () => {
      fake.fire('connect');
      fake.fire('message:batch', { messages: [m1] });
      fake.fire('sync:done', { delivered: 1 });
      await new Promise((r) => setTimeout(r, 20));
    });
    expect(texts()).toEqual(['before', 'sent from my phone']);
    expect(connection.get().caughtUpAt).not.toBeNull();
  });

  it('tells the server which conversation is on screen', async () => {
    const { fake } = setup();
    const { setOpenPeer } = await import('./viewState');
    act(() => setOpenPeer('bob'));
    expect(fake.sent('focus:set').at(-1)).toEqual({ peer: 'bob' });
    act(() => setOpenPeer(null));
    expect(fake.sent('focus:set').at(-1)).toEqual({ peer: null });
  });
});

describe('receipts', () => {
  it('applies every change of a coalesced receipt:update frame, the first and those in `more`', () => {
    const { client, fake } = setup();
    const empty: MessagesData = { pages: [{ messages: [], nextBefore: null }], pageParams: [null] };
    client.setQueryData(queryKeys.messages('carol'), empty);
    const toBob = msg({ text: 'to bob', from: 'alice', to: 'bob' });
    const toCarol = msg({ text: 'to carol', from: 'alice', to: 'carol' });
    act(() => {
      fake.fire('message:new', { message: toBob, readingNow: false });
      fake.fire('message:new', { message: toCarol, readingNow: false });
    });
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
    const { fake } = setup();
    addToOutbox({ key: 'k1', to: 'bob', text: 'same', createdAt: new Date().toISOString(), status: 'sending' });
    addToOutbox({ key: 'k2', to: 'bob', text: 'same', createdAt: new Date().toISOString(), status: 'sending' });
    const echo = msg({ text: 'same', from: 'alice', to: 'bob' });
    act(() => fake.fire('message:new', { message: echo, readingNow: false }));
    const pending = outbox.get();
    expect(pending.find((e) => e.key === 'k1')?.echoOf).toBe(echo.id);
    expect(pending.find((e) => e.key === 'k2')?.echoOf).toBeUndefined();
    const rows = buildRows([echo], pending, 'alice');
    expect(rows.filter((r) => r.kind !== 'day')).toHaveLength(2);
    outbox.set([]);
  });
});

describe('refused handshakes', () => {
  it('retries a handshake refused by the server’s limits after the hinted wait; unauthorized ends the session', () => {
    vi.useFakeTimers();
    try {
      const { fake, onSessionEnded } = setup();
      const refuse = (code: string, data?: unknown) =>
        act(() => {
          fake.disconnect();
          fake.fire('connect_error' as never, Object.assign(new Error(code), { data }) as never);
        });
      refuse('rate_limited', { code: 'rate_limited', retryAfterSeconds: 7 });
      act(() => void vi.advanceTimersByTime(6_900));
      expect(fake.connected).toBe(false);
      act(() => void vi.advanceTimersByTime(200));
      expect(fake.connected).toBe(true);

      refuse('too_many_sockets');
      act(() => void vi.advanceTimersByTime(1_600));
      expect(fake.connected).toBe(true);
      expect(onSessionEnded).not.toHaveBeenCalled();

      refuse('unauthorized');
      act(() => void vi.advanceTimersByTime(60_000));
      expect(fake.connected).toBe(false);
      expect(onSessionEnded).toHaveBeenCalledTimes(1);
    } finally {
      vi.useRealTimers();
    }
  });

});

describe('1:1 conversations with bots', () => {
  it('shows no notification for a message in a muted 1:1 conversation', () => {
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
    const { client, fake } = setup();
    // The server's setting, as the cached conversation list holds it.
    const setMuted = (muted: boolean) =>
      client.setQueryData<Conversation[]>(queryKeys.conversations, [{ peer: 'bob', online: false, unread: 0, muted, lastMessage: null }]);
    try {
      setMuted(true);
      act(() => fake.fire('message:new', { message: msg({ text: 'quiet', from: 'bob' }), readingNow: false }));
      expect(shown).toEqual([]);
      setMuted(false);
      act(() => fake.fire('message:new', { message: msg({ text: 'loud', from: 'bob' }), readingNow: false }));
      expect(shown).toEqual(['bob']);
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
    const { fake, conversation } = setup();
    act(() => fake.fire('message:new', { message: msg({ text: 'build passed', from: 'bob' }), readingNow: false }));
    await waitFor(() => expect(conversation()?.bot).toBe(true));
    expect(asked).toEqual(['/api/people?q=bob&limit=1']);
    // Known now: the next message asks nothing.
    act(() => fake.fire('message:new', { message: msg({ text: 'deploy done', from: 'bob' }), readingNow: false }));
    expect(asked).toHaveLength(1);
  });
});
