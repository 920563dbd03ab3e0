import type { Group } from '@messenger/protocol';
import { describe, expect, it } from 'vitest';
import { msg } from '../../test/fixtures';
import { applyGroupUpdate, bumpGroup, groupAttention, replaceGroupPreview } from './groupCache';

const ID_A = '11111111-1111-4111-8111-111111111111';
const ID_B = '22222222-2222-4222-8222-222222222222';

function group(id: string, partial: Partial<Group> = {}): Group {
  return { id, name: `g-${id.slice(0, 4)}`, createdAt: '2026-11-01T00:00:00.000Z', role: 'member', memberCount: 3, muted: false, pinned: false, archived: false, markedUnread: false, unread: 0, lastMessage: null, ...partial };
}

describe('group list cache', () => {
  it('moves a group with a new message to the top, counting incoming unread once per message', () => {
    const list = [group(ID_B, { createdAt: '2026-11-02T00:00:00.000Z' }), group(ID_A)];
    const m = msg({ text: 'hi', from: 'bob', to: 'alice', group: { id: ID_A, name: 'A' } });
    const once = bumpGroup(list, m, 'alice', true);
    expect(once?.map((g) => g.id)).toEqual([ID_A, ID_B]);
    expect(once?.[0]?.unread).toBe(1);
    expect(bumpGroup(once, m, 'alice', true)).toBe(once);
    const mine = msg({ text: 'me', from: 'alice', to: 'alice', group: { id: ID_A, name: 'A' } });
    expect(bumpGroup(once, mine, 'alice', true)?.[0]?.unread).toBe(1);
  });

  it('applies group:update: replaced when I am in it, gone when I am not', () => {
    const list = [group(ID_A), group(ID_B)];
    expect(applyGroupUpdate(list, ID_A, group(ID_A, { name: 'renamed' }))?.find((g) => g.id === ID_A)?.name).toBe('renamed');
    expect(applyGroupUpdate(list, ID_A, null)?.map((g) => g.id)).toEqual([ID_B]);
  });

  it('a muted group counts only mentions of me toward the title', () => {
    const mention = msg({ text: 'ping @alice', from: 'bob', to: 'alice', group: { id: ID_A, name: 'A' } });
    expect(groupAttention(group(ID_A, { unread: 5 }), 'alice', 0)).toBe(5);
    expect(groupAttention(group(ID_A, { unread: 5, muted: true }), 'alice', 0)).toBe(0);
    expect(groupAttention(group(ID_A, { unread: 5, muted: true }), 'alice', 2)).toBe(2);
    expect(groupAttention(group(ID_A, { unread: 5, muted: true, lastMessage: mention }), 'alice', 0)).toBe(1);
    expect(groupAttention(group(ID_A, { unread: 0, muted: true }), 'alice', 3)).toBe(0);
  });
});

describe('a message update in the group list', () => {
  it('replaces the preview when it is that message (edited, deleted), keeping its receipt state, and leaves others alone', () => {
    const last = msg({ text: 'release at 5', from: 'bob', to: 'alice', state: 'read', group: { id: ID_A, name: 'A' } });
    const list = [group(ID_A, { lastMessage: last }), group(ID_B)];
    const edited = replaceGroupPreview(list, ID_A, { ...last, text: 'release at 6', editedAt: '2026-11-30T12:00:00.000Z', state: 'delivered' });
    expect(edited?.[0]?.lastMessage).toMatchObject({ text: 'release at 6', state: 'read', editedAt: '2026-11-30T12:00:00.000Z' });
    expect(replaceGroupPreview(list, ID_A, msg({ text: 'older', group: { id: ID_A, name: 'A' } }))).toBe(list);
    expect(replaceGroupPreview(list, ID_B, last)).toBe(list);
  });
});
