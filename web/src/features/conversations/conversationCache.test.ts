// The cached list follows the server's rules for the settings between two fetches: a new message
// brings an archived conversation back unless it is muted, a conversation marked as unread counts
// as one in the title, and conversation:update carries every setting.
import type { Conversation } from '@messenger/protocol';
import { describe, expect, it } from 'vitest';
import { msg } from '../../test/fixtures';
import { NO_SETTINGS, applyConversationUpdate, bumpConversation, totalUnread } from './conversationCache';

const conversation = (peer: string, partial: Partial<Conversation> = {}): Conversation => ({
  peer,
  online: false,
  unread: 0,
  ...NO_SETTINGS,
  lastMessage: msg({ text: 'before', from: peer, to: 'alice' }, Date.UTC(2026, 10, 1)),
  ...partial,
});

describe('bumpConversation', () => {
  it('brings an archived conversation back with a newer message, unless it is muted', () => {
    const list = [conversation('bob', { archived: true }), conversation('bot', { archived: true, muted: true })];
    let next = bumpConversation(list, msg({ text: 'back', from: 'bob', to: 'alice' }), 'alice', true);
    next = bumpConversation(next, msg({ text: 'quiet', from: 'bot', to: 'alice' }), 'alice', true);
    expect(next?.map((c) => [c.peer, c.archived])).toEqual([
      ['bot', true],
      ['bob', false],
    ]);
  });

  it('leaves it archived for a message older than its preview (catch-up of the past)', () => {
    const list = [conversation('bob', { archived: true })];
    const next = bumpConversation(list, msg({ text: 'old', from: 'bob', to: 'alice' }, Date.UTC(2026, 0, 1)), 'alice', false);
    expect(next?.[0]?.archived).toBe(true);
  });
});

describe('totalUnread', () => {
  it('counts a conversation marked as unread as one, and one with unread messages by them', () => {
    expect(totalUnread([conversation('a', { markedUnread: true }), conversation('b', { unread: 3, markedUnread: true }), conversation('c')])).toBe(4);
  });
});

describe('applyConversationUpdate', () => {
  it('sets every setting of the listed peer, and lists a peer not there yet only when a setting is on', () => {
    const list = [conversation('bob')];
    const update = { peer: 'bob', muted: false, pinned: true, archived: false, markedUnread: true };
    expect(applyConversationUpdate(list, update)).toEqual([{ ...list[0], pinned: true, markedUnread: true }]);
    expect(applyConversationUpdate(list, { ...update, peer: 'bob', pinned: false, markedUnread: false })).toBe(list);
    expect(applyConversationUpdate(list, { peer: 'carol', ...NO_SETTINGS })).toBe(list);
    expect(applyConversationUpdate(list, { peer: 'carol', ...NO_SETTINGS, pinned: true })?.map((c) => [c.peer, c.pinned, c.lastMessage])).toEqual([
      ['bob', false, list[0]!.lastMessage],
      ['carol', true, null],
    ]);
  });
});
