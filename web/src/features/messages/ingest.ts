// Writes what the socket and /send report into the query cache: messages (deduped by id),
// receipts, previews and unread counts. Shared by the SocketProvider and the send hook.
import { mentions, type ChatMessage, type Conversation, type Group, type MessagesPage, type ReceiptChange } from '@messenger/protocol';
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import { fetchGroupMessagesPage } from '../../api/group-messages';
import { fetchMessagesPage, type MessagesData } from '../../api/messages';
import { queryKeys } from '../../api/keys';
import { fetchPerson } from '../../api/people';
import { registerSessionStore } from '../../lib/session-stores';
import { applyReceiptToPreview, bumpConversation, markBot, peerOf, setUnread } from '../conversations/conversationCache';
import { isReading, isReadingGroup } from '../connection/viewState';
import { bumpGroup, setGroupUnread } from '../groups/groupCache';
import { clearMentions, countMention } from '../groups/mention-unread';
import { applyEarlyUpdates, changeClock } from './ingest-update';
import { applyReceipt, EarlyReceipts, flattenMessages, hasMessage, markIncomingRead, markReadUpTo, mergeFetchedPage, newestFirst, upsertMessages } from './messageCache';

export const earlyReceipts = new EarlyReceipts();

/** Ids already counted as unread, so a message delivered twice is counted once. */
const counted = new Set<string>();
function countOnce(id: string): boolean {
  if (counted.has(id)) return false;
  counted.add(id);
  if (counted.size > 5000) {
    const first = counted.values().next().value;
    if (first !== undefined) counted.delete(first);
  }
  return true;
}
registerSessionStore(() => {
  counted.clear();
  earlyReceipts.clear();
});

export interface IngestOptions {
  /** Live pushes count toward unread; catch-up batches do not (the server's count has them). */
  live: boolean;
}

/** Returns the messages that were new to this tab (not seen in the cache before). */
export function ingestMessages(client: QueryClient, me: string, messages: readonly ChatMessage[], options: IngestOptions): ChatMessage[] {
  const fresh: ChatMessage[] = [];
  // A 1:1 message belongs to the peer's history; a group copy (its `to` is me) to the group's.
  const byPeer = new Map<string, ChatMessage[]>();
  const byGroup = new Map<string, ChatMessage[]>();
  for (const raw of messages) {
    if (raw.group) {
      byGroup.set(raw.group.id, [...(byGroup.get(raw.group.id) ?? []), raw]);
      continue;
    }
    const m = earlyReceipts.apply(raw);
    const peer = peerOf(m, me);
    byPeer.set(peer, [...(byPeer.get(peer) ?? []), m]);
  }
  const intoHistory = (key: QueryKey, list: ChatMessage[]) => {
    const known = new Set(client.getQueryData<MessagesData>(key)?.pages.flatMap((p) => p.messages.map((m) => m.id)));
    for (const m of list) if (!known.has(m.id)) fresh.push(m);
    client.setQueryData<MessagesData>(key, (data) => upsertMessages(data, list));
  };
  for (const [peer, list] of byPeer) {
    intoHistory(queryKeys.messages(peer), list);
    const known = client.getQueryData<Conversation[]>(queryKeys.conversations);
    if (known && !known.some((c) => c.peer === peer) && list.some((m) => m.from === peer)) void learnPeerKind(client, peer);
    client.setQueryData<Conversation[]>(queryKeys.conversations, (conversations) => {
      let next = conversations;
      for (const m of list) {
        const incoming = m.from === peer;
        const count = options.live && incoming && m.state !== 'read' && !isReading(peer) && countOnce(m.id);
        next = bumpConversation(next, m, me, count);
      }
      return next;
    });
  }
  for (const [group, list] of byGroup) {
    intoHistory(queryKeys.groupMessages(group), list);
    client.setQueryData<Group[]>(queryKeys.groups, (groups) => {
      let next = groups;
      for (const m of list) {
        const count = options.live && m.from !== me && m.state !== 'read' && !isReadingGroup(group) && countOnce(m.id);
        if (count && mentions(m.text, me)) countMention(group, m.id);
        next = bumpGroup(next, m, me, count);
      }
      return next;
    });
    // A group the list does not know yet (just added to it): the server has its counts.
    if (!client.getQueryData<Group[]>(queryKeys.groups)?.some((g) => g.id === group)) {
      void client.invalidateQueries({ queryKey: queryKeys.groups });
    }
  }
  applyEarlyUpdates(client, me, fresh);
  return fresh;
}

/**
 * A conversation that starts live is made up in the cache from its first message, which does not
 * say whether the peer is a bot. Refetching the list would, but the list may not hold the
 * conversation yet (storing and pushing are separate consumers) and would then drop it; so ask
 * about that one name instead.
 */
async function learnPeerKind(client: QueryClient, peer: string): Promise<void> {
  try {
    if (!(await fetchPerson(peer))?.bot) return;
    client.setQueryData<Conversation[]>(queryKeys.conversations, (list) => markBot(list, peer));
  } catch {
    // The badge waits for the list's next fetch.
  }
}

export function ingestReceipt(client: QueryClient, me: string, receipt: ReceiptChange) {
  if (receipt.group) return ingestGroupReceipt(client, me, receipt.group, receipt);
  const ids = new Set(receipt.ids);
  for (const id of ids) earlyReceipts.remember(id, receipt.state);
  client.setQueryData<MessagesData>(queryKeys.messages(receipt.peer), (data) => applyReceipt(data, ids, receipt.state));
  client.setQueryData<Conversation[]>(queryKeys.conversations, (list) => applyReceiptToPreview(list, receipt.peer, ids, receipt.state));
  const data = client.getQueryData<MessagesData>(queryKeys.messages(receipt.peer));
  const aboutIncoming = data?.pages.some((p) => p.messages.some((m) => ids.has(m.id) && m.to === me));
  // I read these on another screen: the server knows the new unread count.
  if (receipt.state === 'read' && (aboutIncoming || !data)) void client.invalidateQueries({ queryKey: queryKeys.conversations });
}

/** After this tab read up to `upTo`: history shows it read, the badge clears. */
export function ingestOwnRead(client: QueryClient, peer: string, upTo: ChatMessage) {
  const data = client.setQueryData<MessagesData>(queryKeys.messages(peer), (data) => markIncomingRead(data, peer, upTo));
  client.setQueryData<Conversation[]>(queryKeys.conversations, (list) => setUnread(list, peer, incomingAfter(data, upTo, (m) => m.from === peer)));
}

/**
 * What is still unread after reading up to `upTo`: the incoming messages after it. Read marks
 * follow what the reader has seen, so a long unread run is read a screen at a time.
 */
function incomingAfter(data: MessagesData | undefined, upTo: ChatMessage, incoming: (m: ChatMessage) => boolean): number {
  const messages = flattenMessages(data);
  const at = messages.findIndex((m) => m.id === upTo.id);
  return at < 0 ? 0 : messages.slice(at + 1).filter(incoming).length;
}

/**
 * A group receipt moves the member's own copies. Receipts about my own messages (another member
 * got or read them) are counted by the groups feature; here only my copies matter: read on
 * another of my screens.
 */
function ingestGroupReceipt(client: QueryClient, me: string, group: string, receipt: ReceiptChange) {
  if (receipt.peer !== me) return;
  const ids = new Set(receipt.ids);
  client.setQueryData<MessagesData>(queryKeys.groupMessages(group), (data) => applyReceipt(data, ids, receipt.state));
  if (receipt.state === 'read') void client.invalidateQueries({ queryKey: queryKeys.groups });
}

/** After this tab read a group up to `upTo`: my copies show read, the badge and mentions clear. */
export function ingestOwnGroupRead(client: QueryClient, me: string, group: string, upTo: ChatMessage) {
  const incoming = (m: ChatMessage) => m.from !== me;
  const data = client.setQueryData<MessagesData>(queryKeys.groupMessages(group), (data) => markReadUpTo(data, upTo, incoming));
  client.setQueryData<Group[]>(queryKeys.groups, (list) => setGroupUnread(list, group, incomingAfter(data, upTo, incoming)));
  clearMentions(group);
}

/**
 * After a reconnect: fetch the newest pages of a loaded conversation until they reach back past
 * the oldest message we hold, and merge them. Fills any gap (messages sent from other screens,
 * missed receipts), and brings edits, deletes and reactions this tab missed: another tab of mine
 * may have acknowledged their updates, and then the catch-up does not offer them here again.
 */
export async function fillGap(client: QueryClient, peer: string, maxPages = 10): Promise<void> {
  return fillHistoryGap(client, queryKeys.messages(peer), (before) => fetchMessagesPage(peer, before), maxPages);
}

/** The same for a group's history. */
export async function fillGroupGap(client: QueryClient, group: string, maxPages = 10): Promise<void> {
  return fillHistoryGap(client, queryKeys.groupMessages(group), (before) => fetchGroupMessagesPage(group, before), maxPages);
}

async function fillHistoryGap(client: QueryClient, key: QueryKey, fetchPage: (before: string | null) => Promise<MessagesPage>, maxPages: number) {
  const oldestHeld = flattenMessages(client.getQueryData<MessagesData>(key))[0];
  let before: string | null = null;
  let stitched = false;
  for (let i = 0; i < maxPages; i += 1) {
    const began = Date.now();
    const page = await fetchPage(before);
    const held = client.getQueryData<MessagesData>(key);
    if (!held) return;
    stitched ||= page.messages.some((m) => hasMessage(held, m.id));
    // A live update applied while the page was on its way is newer than the page.
    client.setQueryData<MessagesData>(key, (d) => mergeFetchedPage(d, page, (id) => changeClock.changedSince(id, began)));
    const reachedOldest = !oldestHeld || page.messages.some((m) => newestFirst(m, oldestHeld) >= 0);
    if (reachedOldest || !page.nextBefore) return;
    before = page.nextBefore;
  }
  // Deep in a long history: the gap is closed, only the oldest loaded pages may show stale edits.
  if (stitched) return;
  // Too far behind to stitch: start this conversation over from the newest page.
  await client.resetQueries({ queryKey: key });
}
