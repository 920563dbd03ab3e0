// A mute made on another tab, browser or device reaches this tab's cached list through
// conversation:update; what an older version kept in localStorage moves to the server on load.
import type { Conversation } from '@messenger/protocol';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, render, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryKeys } from '../../api/keys';
import { FakeSocket, jsonResponse, testQueryClient } from '../../test/fixtures';
import { SocketProvider } from '../connection/SocketProvider';
import { useConversationMutes } from './useConversationMutes';

/** Every setting off, as conversation:update carries it. */
const OFF = { muted: false, pinned: false, archived: false, markedUnread: false };

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

function Probe() {
  useConversationMutes('alice');
  return null;
}

function setup() {
  const client = testQueryClient();
  const fake = new FakeSocket();
  client.setQueryData<Conversation[]>(queryKeys.conversations, [{ peer: 'bob', online: false, unread: 0, muted: false, pinned: false, archived: false, markedUnread: false, lastMessage: null }]);
  render(
    <QueryClientProvider client={client}>
      <SocketProvider me="alice" connect={() => fake.asSocket()} onSessionEnded={() => undefined}>
        <Probe />
      </SocketProvider>
    </QueryClientProvider>,
  );
  act(() => void fake.connect());
  const muted = () => client.getQueryData<Conversation[]>(queryKeys.conversations)?.map((c) => [c.peer, c.muted]);
  return { fake, muted };
}

describe('useConversationMutes', () => {
  it('applies conversation:update to the cached list, and ignores a malformed one', () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse(200, { conversations: [] })));
    const { fake, muted } = setup();
    act(() => fake.fire('conversation:update', { peer: 'bob', ...OFF, muted: true }));
    expect(muted()).toEqual([['bob', true]]);
    act(() => fake.fire('conversation:update', { peer: 'ci-bot', ...OFF, muted: true }));
    expect(muted()).toEqual([
      ['bob', true],
      ['ci-bot', true],
    ]);
    act(() => fake.fire('conversation:update', { peer: 'bob', ...OFF, muted: 'no' }));
    act(() => fake.fire('conversation:update', { peer: 'bob', ...OFF }));
    expect(muted()).toEqual([
      ['bob', false],
      ['ci-bot', true],
    ]);
  });

  it('moves the mutes an older version kept in this browser to the server, then forgets them', async () => {
    localStorage.setItem('messenger.muted-peers.alice', JSON.stringify(['bob']));
    const puts: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        if (init?.method === 'PUT') {
          puts.push(`${url} ${String(init.body)}`);
          return jsonResponse(200, { peer: 'bob', ...OFF, muted: true });
        }
        return jsonResponse(200, { conversations: [] });
      }),
    );
    const { muted } = setup();
    await waitFor(() => expect(localStorage.getItem('messenger.muted-peers.alice')).toBeNull());
    expect(puts).toEqual(['/api/conversations/bob/mute {"muted":true}']);
    expect(muted()).toEqual([['bob', true]]);
  });
});
