import type { ChatMessage, Group, MessageUpdate } from '@messenger/protocol';
import { describe, expect, it } from 'vitest';
import { queryKeys } from '../../api/keys';
import type { MessagesData } from '../../api/messages';
import { conversationKey } from '../../lib/conversation-ref';
import { msg, testQueryClient } from '../../test/fixtures';
import { ingestMessages } from './ingest';
import { ingestMessageUpdate } from './ingest-update';
import { flattenMessages } from './messageCache';

const one = (messages: ChatMessage[]): MessagesData => ({ pages: [{ messages, nextBefore: null }], pageParams: [null] });
const deleteOf = (m: ChatMessage, at: string): MessageUpdate => ({
  message: { ...m, text: '', deleted: true },
  change: { kind: 'delete', at },
} as MessageUpdate);

describe('a delete for everyone in the cache', () => {
  it('empties the quote of every cached reply to it, in the history and a window around a search result (1:1)', () => {
    const client = testQueryClient();
    const original = msg({ text: 'lunch at noon?', from: 'bob', to: 'alice' });
    const reply = msg({ text: 'yes', from: 'alice', to: 'bob', replyTo: { id: original.id, from: 'bob', text: 'lunch at noon?' } });
    const other = msg({ text: 'unrelated', from: 'bob', to: 'alice' });
    client.setQueryData(queryKeys.messages('bob'), one([original, reply, other]));
    const around = queryKeys.historyAround(conversationKey({ peer: 'bob' }), reply.id);
    client.setQueryData(around, one([reply]));

    ingestMessageUpdate(client, 'alice', deleteOf(original, '2026-11-30T12:00:00.000Z'));

    const live = flattenMessages(client.getQueryData<MessagesData>(queryKeys.messages('bob')));
    expect(live.find((m) => m.id === reply.id)?.replyTo).toEqual({ id: original.id, from: 'bob', text: '', deleted: true });
    expect(live.find((m) => m.id === other.id)).toEqual(other);
    expect(flattenMessages(client.getQueryData<MessagesData>(around))[0]?.replyTo).toEqual({ id: original.id, from: 'bob', text: '', deleted: true });
  });

  it('empties the quote of a group reply, there and in the group list’s preview', () => {
    const client = testQueryClient();
    const group = { id: '0192f5a4-7c1e-7a3b-9c4d-aaaaaaaaaaaa', name: 'team' };
    const original = msg({ text: 'ship it?', from: 'bob', to: group.id, group });
    const reply = msg({ text: 'ship it', from: 'carol', to: group.id, group, replyTo: { id: original.id, from: 'bob', text: 'ship it?' } });
    client.setQueryData(queryKeys.groupMessages(group.id), one([original, reply]));
    client.setQueryData<Group[]>(queryKeys.groups, [{ id: group.id, name: 'team', lastMessage: reply, unread: 0 } as unknown as Group]);

    ingestMessageUpdate(client, 'alice', deleteOf(original, '2026-11-30T12:00:00.000Z'));

    const cached = flattenMessages(client.getQueryData<MessagesData>(queryKeys.groupMessages(group.id)));
    expect(cached.find((m) => m.id === reply.id)?.replyTo).toEqual({ id: original.id, from: 'bob', text: '', deleted: true });
    expect(client.getQueryData<Group[]>(queryKeys.groups)?.[0]?.lastMessage?.replyTo).toEqual({ id: original.id, from: 'bob', text: '', deleted: true });
  });

  it('leaves quotes alone for an edit', () => {
    const client = testQueryClient();
    const original = msg({ text: 'draft', from: 'bob', to: 'alice' });
    const reply = msg({ text: 'ok', from: 'alice', to: 'bob', replyTo: { id: original.id, from: 'bob', text: 'draft' } });
    client.setQueryData(queryKeys.messages('bob'), one([original, reply]));
    ingestMessageUpdate(client, 'alice', { message: { ...original, text: 'final', editedAt: '2026-11-30T12:00:00.000Z' }, change: { kind: 'edit', at: '2026-11-30T12:00:00.000Z' } } as MessageUpdate);
    expect(flattenMessages(client.getQueryData<MessagesData>(queryKeys.messages('bob')))[1]?.replyTo?.text).toBe('draft');
  });
});

describe('an update that overtakes its message', () => {
  it('waits for the message and applies to it when it arrives (a reaction keyed to another partition)', () => {
    const client = testQueryClient();
    const before = msg({ text: 'earlier', from: 'bob', to: 'alice' });
    client.setQueryData(queryKeys.messages('bob'), one([before]));
    const mine = msg({ text: 'lunch?', from: 'alice', to: 'bob' });
    const reacted = { ...mine, reactions: [{ emoji: '👍', users: ['bob'] }] };
    ingestMessageUpdate(client, 'alice', { message: reacted, change: { id: '0192f5a4-7c1e-7a3b-9c4d-0000000000c1', kind: 'react', by: 'bob', at: '2026-11-30T12:00:00.000Z' } } as MessageUpdate);
    // The message itself, as its record says (no reaction), comes after.
    ingestMessages(client, 'alice', [mine], { live: true });
    const cached = flattenMessages(client.getQueryData<MessagesData>(queryKeys.messages('bob'))).find((m) => m.id === mine.id);
    expect(cached?.reactions).toEqual([{ emoji: '👍', users: ['bob'] }]);
  });
});
