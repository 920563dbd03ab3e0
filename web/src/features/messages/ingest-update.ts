// Writes a message:update (an edit, a delete, a reaction; message actions, issue 18) into the query
// cache: the history it belongs to, a jump-to-message window showing it, and the list's preview.
// State-based: the update carries the whole message as I see it, so applying one twice changes
// nothing, and the newest change per message wins over one that arrives late.
import type { ChatMessage, Conversation, Group, MessageUpdate } from '@messenger/protocol';
import type { QueryClient } from '@tanstack/react-query';
import type { AroundData } from '../../api/history-around';
import { queryKeys } from '../../api/keys';
import type { MessagesData } from '../../api/messages';
import { conversationKey } from '../../lib/conversation-ref';
import { registerSessionStore } from '../../lib/session-stores';
import { peerOf, replacePreview } from '../conversations/conversationCache';
import { replaceGroupPreview } from '../groups/groupCache';
import { ChangeClock, hasMessage, markQuotesDeleted, replaceMessage, upsertMessages, withQuoteDeleted } from './messageCache';

export const changeClock = new ChangeClock();

/**
 * Updates of messages not in their open history yet. An update can overtake its message: a 1:1
 * reaction is keyed by the author, so my other screens get it from my partition while the
 * message comes from the recipient's. It waits here and applies when the message arrives (the
 * message's own push carries its text as first sent). Bounded, oldest forgotten first.
 */
const earlyUpdates = new Map<string, MessageUpdate>();
const MAX_EARLY_UPDATES = 500;
registerSessionStore(() => {
  changeClock.clear();
  earlyUpdates.clear();
});

export function ingestMessageUpdate(client: QueryClient, me: string, update: MessageUpdate): void {
  const { message, change } = update;
  if (!changeClock.admit(message.id, change.at)) return;
  const history = client.getQueryData<MessagesData>(historyKey(message, me));
  // No history cached: it will be fetched as the server has it now.
  if (history && !hasMessage(history, message.id)) {
    earlyUpdates.delete(message.id);
    earlyUpdates.set(message.id, update);
    if (earlyUpdates.size > MAX_EARLY_UPDATES) earlyUpdates.delete(earlyUpdates.keys().next().value as string);
  }
  applyUpdate(client, me, update);
}

/** Applies the update that overtook each of these messages, now that they are cached. */
export function applyEarlyUpdates(client: QueryClient, me: string, messages: readonly ChatMessage[]): void {
  if (earlyUpdates.size === 0) return;
  for (const m of messages) {
    const update = earlyUpdates.get(m.id);
    if (!update) continue;
    earlyUpdates.delete(m.id);
    applyUpdate(client, me, update);
  }
}

function applyUpdate(client: QueryClient, me: string, { message, hidden }: MessageUpdate): void {
  applyMessageState(client, me, message, hidden === true);
  if (message.deleted) applyQuoteDeleted(client, me, message);
}

function historyKey(message: ChatMessage, me: string) {
  return message.group ? queryKeys.groupMessages(message.group.id) : queryKeys.messages(peerOf(message, me));
}

/**
 * Replies quoting a message deleted for everyone lose the quote's text in the store, but no
 * update is pushed for each reply: empty the quotes cached in the same conversation here, so an
 * open screen does not go on showing the deleted text until a reload.
 */
function applyQuoteDeleted(client: QueryClient, me: string, message: ChatMessage): void {
  updateHistories(client, me, message, (data) => markQuotesDeleted(data, message.id));
  const preview = <T extends { lastMessage: ChatMessage | null }>(list: T[] | undefined): T[] | undefined => {
    if (!list?.some((x) => x.lastMessage && withQuoteDeleted(x.lastMessage, message.id) !== x.lastMessage)) return list;
    return list.map((x) => (x.lastMessage ? { ...x, lastMessage: withQuoteDeleted(x.lastMessage, message.id) } : x));
  };
  if (message.group) client.setQueryData<Group[]>(queryKeys.groups, preview);
  else client.setQueryData<Conversation[]>(queryKeys.conversations, preview);
}

/** Also for the answer of this tab's own action, before its update comes back over the socket. */
export function applyMessageState(client: QueryClient, me: string, message: ChatMessage, hidden: boolean): void {
  updateHistories(client, me, message, (data) => replaceMessage(data, message, hidden));
  if (message.group) {
    const group = message.group.id;
    const preview = client.getQueryData<Group[]>(queryKeys.groups)?.find((g) => g.id === group)?.lastMessage;
    // A hidden preview: the message before it is the server's to say.
    if (hidden && preview?.id === message.id) void client.invalidateQueries({ queryKey: queryKeys.groups });
    else client.setQueryData<Group[]>(queryKeys.groups, (list) => replaceGroupPreview(list, group, message));
    return;
  }
  const peer = peerOf(message, me);
  const preview = client.getQueryData<Conversation[]>(queryKeys.conversations)?.find((c) => c.peer === peer)?.lastMessage;
  if (hidden && preview?.id === message.id) void client.invalidateQueries({ queryKey: queryKeys.conversations });
  else client.setQueryData<Conversation[]>(queryKeys.conversations, (list) => replacePreview(list, peer, message));
}

/** Applies `update` to the cached history of `message`'s conversation and every window opened in it. */
function updateHistories(client: QueryClient, me: string, message: ChatMessage, update: (data: MessagesData | undefined) => MessagesData | undefined): void {
  const ref = message.group ? { group: message.group.id } : { peer: peerOf(message, me) };
  client.setQueryData<MessagesData>(historyKey(message, me), update);
  for (const [key] of client.getQueriesData<AroundData>({ queryKey: ['history-around', conversationKey(ref)] })) {
    client.setQueryData<AroundData>(key, (data) => update(data as MessagesData | undefined) as AroundData | undefined);
  }
}

/** Puts a message back as it was (an action the server refused): where it was hidden, too. */
export function restoreMessage(client: QueryClient, me: string, message: ChatMessage): void {
  const key = message.group ? queryKeys.groupMessages(message.group.id) : queryKeys.messages(peerOf(message, me));
  client.setQueryData<MessagesData>(key, (data) => upsertMessages(replaceMessage(data, message, false), [message]));
  applyMessageState(client, me, message, false);
}
