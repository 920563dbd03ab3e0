import type { Conversation, Group } from '@messenger/protocol';
import { describe, expect, it } from 'vitest';
import { keyOf, listSections } from './list-sections';

const at = (minute: number) => `2026-11-30T10:${String(minute).padStart(2, '0')}:00.000Z`;

function conversation(peer: string, minute: number | null, settings: Partial<Conversation> = {}): Conversation {
  const lastMessage =
    minute === null ? null : { id: `${peer}-${minute}`, from: peer, to: 'me', text: 'hi', sentAt: at(minute), state: 'delivered' as const };
  return { peer, online: false, unread: 0, muted: false, pinned: false, archived: false, markedUnread: false, lastMessage, ...settings } as Conversation;
}

function group(id: string, minute: number, settings: Partial<Group> = {}): Group {
  return { id, name: id, createdAt: at(minute), role: 'member', memberCount: 2, muted: false, pinned: false, archived: false, markedUnread: false, unread: 0, lastMessage: null, ...settings };
}

describe('listSections', () => {
  it('puts pinned conversations first and archived ones apart, each by most recent activity, 1:1 and groups mixed', () => {
    const sections = listSections(
      [conversation('old', 1), conversation('pinned-old', 2, { pinned: true }), conversation('new', 9), conversation('gone', 8, { archived: true }), conversation('none', null, { pinned: true })],
      [group('g-pinned', 5, { pinned: true }), group('g', 7), group('g-gone', 3, { archived: true, pinned: true })],
    );
    expect(sections.pinned.map(keyOf)).toEqual(['g:g-pinned', 'c:pinned-old', 'c:none']);
    expect(sections.main.map(keyOf)).toEqual(['c:new', 'g:g', 'c:old']);
    expect(sections.archived.map(keyOf)).toEqual(['c:gone', 'g:g-gone']);
  });

  it('is empty for no lists', () => {
    expect(listSections()).toEqual({ pinned: [], main: [], archived: [] });
  });
});
