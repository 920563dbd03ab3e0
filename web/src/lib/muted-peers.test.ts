import type { Conversation } from '@messenger/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { queryKeys } from '../api/keys';
import { jsonResponse, msg, testQueryClient } from '../test/fixtures';
import { applyMute, moveLocalMutes, setPeerMuted } from './muted-peers';

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

const LEGACY_KEY = 'messenger.muted-peers.alice';
const conversation = (peer: string, partial: Partial<Conversation> = {}): Conversation => ({ peer, online: false, unread: 0, muted: false, pinned: false, archived: false, markedUnread: false, lastMessage: null, ...partial });

/** fetch stub for PUT /api/conversations/:peer/mute: `answer(peer)` is the status, or 'offline'. */
function stubMute(answer: (peer: string, muted: boolean) => number | 'offline') {
  const calls: [string, boolean][] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      const match = /^\/api\/conversations\/([^/]+)\/mute$/.exec(url);
      if (!match || init?.method !== 'PUT') throw new Error(`unexpected ${init?.method ?? 'GET'} ${url}`);
      const peer = decodeURIComponent(match[1] ?? '');
      const { muted } = JSON.parse(String(init.body)) as { muted: boolean };
      calls.push([peer, muted]);
      const status = answer(peer, muted);
      if (status === 'offline') throw new TypeError('Failed to fetch');
      if (status === 200) return jsonResponse(200, { peer, muted, pinned: false, archived: false, markedUnread: false });
      return jsonResponse(status, { error: { code: status === 404 ? 'not_found' : status === 400 ? 'bad_request' : 'service_unavailable', message: 'no' } });
    }),
  );
  return calls;
}

describe('applyMute', () => {
  it('flags a listed conversation, lists a muted peer not there yet, and leaves the rest alone', () => {
    const older = conversation('bob', { lastMessage: msg({ text: 'hi', from: 'bob', to: 'alice' }) });
    const list = [older];
    expect(applyMute(list, 'bob', true)).toEqual([{ ...older, muted: true }]);
    expect(applyMute(list, 'bob', false)).toBe(list);
    // As GET /api/conversations lists one muted before any message: after those with messages.
    expect(applyMute(list, 'ci-bot', true)).toEqual([older, conversation('ci-bot', { muted: true })]);
    expect(applyMute(list, 'ci-bot', false)).toBe(list);
    expect(applyMute(undefined, 'bob', true)).toBeUndefined();
  });
});

describe('setPeerMuted', () => {
  it('shows the change at once, then keeps what the server answered', async () => {
    const client = testQueryClient();
    client.setQueryData(queryKeys.conversations, [conversation('bob')]);
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        await answered;
        return jsonResponse(200, { peer: 'bob', muted: true, pinned: false, archived: false, markedUnread: false });
      }),
    );
    const done = setPeerMuted(client, 'bob', true);
    expect(client.getQueryData<Conversation[]>(queryKeys.conversations)?.[0]?.muted).toBe(true);
    release();
    await done;
    expect(client.getQueryData<Conversation[]>(queryKeys.conversations)?.[0]?.muted).toBe(true);
  });

  it('puts the setting back and throws when the server refuses', async () => {
    const client = testQueryClient();
    client.setQueryData(queryKeys.conversations, [conversation('bob')]);
    stubMute(() => 503);
    await expect(setPeerMuted(client, 'bob', true)).rejects.toMatchObject({ status: 503 });
    expect(client.getQueryData<Conversation[]>(queryKeys.conversations)?.[0]?.muted).toBe(false);
  });
});

describe('moveLocalMutes (what older versions kept in this browser)', () => {
  it('moves each to the server once, drops what cannot be muted, and removes the key', async () => {
    localStorage.setItem(LEGACY_KEY, JSON.stringify(['ci-bot', 'deleted-bot', 'alice', 'ci-bot', 7]));
    localStorage.setItem('messenger.muted-peers.bob', JSON.stringify(['carol']));
    const calls = stubMute((peer) => (peer === 'ci-bot' ? 200 : peer === 'deleted-bot' ? 404 : 400));
    const client = testQueryClient();
    client.setQueryData(queryKeys.conversations, [conversation('ci-bot')]);
    await moveLocalMutes('alice', client);
    expect(calls).toEqual([
      ['ci-bot', true],
      ['deleted-bot', true],
      ['alice', true],
    ]);
    expect(client.getQueryData<Conversation[]>(queryKeys.conversations)).toEqual([conversation('ci-bot', { muted: true })]);
    expect(localStorage.getItem(LEGACY_KEY)).toBeNull();
    // Another user's list on this browser is theirs to move when they sign in.
    expect(localStorage.getItem('messenger.muted-peers.bob')).toBe('["carol"]');
    // Nothing left: a second load asks nothing.
    await moveLocalMutes('alice', client);
    expect(calls).toHaveLength(3);
  });

  it('keeps what could not be moved yet (offline, server trouble) for the next load', async () => {
    localStorage.setItem(LEGACY_KEY, JSON.stringify(['ci-bot', 'deploy-bot', 'news-bot']));
    stubMute((peer) => (peer === 'ci-bot' ? 200 : peer === 'deploy-bot' ? 'offline' : 503));
    await moveLocalMutes('alice', testQueryClient());
    expect(JSON.parse(localStorage.getItem(LEGACY_KEY) ?? 'null')).toEqual(['deploy-bot', 'news-bot']);
  });

  it('reads a broken stored value as nothing to move, and removes it', async () => {
    localStorage.setItem(LEGACY_KEY, '{"not":"a list"}');
    const calls = stubMute(() => 200);
    await moveLocalMutes('alice', testQueryClient());
    expect(calls).toEqual([]);
    expect(localStorage.getItem(LEGACY_KEY)).toBeNull();
  });
});
