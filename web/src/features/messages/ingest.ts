// Writes what the socket and /send report into the query cache: messages (deduped by id),
// receipts, previews and unread counts. Shared by the SocketProvider and the send hook.
import type { ChatMessage, ReceiptUpdate } from '@messenger/protocol';
import type { QueryClient } from '@tanstack/react-query';
import type { Conversation } from '@messenger/protocol';
import { fetchMessagesPage, type MessagesData } from '../../api/messages';
import { queryKeys } from '../../api/keys';
import { registerSessionStore } from '../../lib/session-stores';
import { applyReceiptToPreview, bumpConversation, peerOf, setUnread } from '../conversations/conversationCache';
import { isReading } from '../connection/viewState';
import { applyReceipt, EarlyReceipts, hasMessage, markIncomingRead, upsertMessages } from './messageCache';

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
  const byPeer = new Map<string, ChatMessage[]>();
  for (const raw of messages) {
    const m = earlyReceipts.apply(raw);
    const peer = peerOf(m, me);
    byPeer.set(peer, [...(byPeer.get(peer) ?? []), m]);
  }
  for (const [peer, list] of byPeer) {
    const key = queryKeys.messages(peer);
    const before = client.getQueryData<MessagesData>(key);
    const known = new Set(before?.pages.flatMap((p) => p.messages.map((m) => m.id)));
    for (const m of list) if (!known.has(m.id)) fresh.push(m);
    client.setQueryData<MessagesData>(key, (data) => upsertMessages(data, list));
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
  return fresh;
}

export function ingestReceipt(client: QueryClient, me: string, receipt: ReceiptUpdate) {
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
  client.setQueryData<MessagesData>(queryKeys.messages(peer), (data) => markIncomingRead(data, peer, upTo));
  client.setQueryData<Conversation[]>(queryKeys.conversations, (list) => setUnread(list, peer, 0));
}

/**
 * After a reconnect: fetch the newest pages of a loaded conversation until they overlap what we
 * hold, and merge them. Fills any gap (messages sent from other screens, missed receipts).
 */
export async function fillGap(client: QueryClient, peer: string, maxPages = 10): Promise<void> {
  const key = queryKeys.messages(peer);
  let before: string | null = null;
  for (let i = 0; i < maxPages; i += 1) {
    const page = await fetchMessagesPage(peer, before);
    const data = client.getQueryData<MessagesData>(key);
    if (!data) return;
    const overlaps = page.messages.some((m) => hasMessage(data, m.id));
    client.setQueryData<MessagesData>(key, (d) => upsertMessages(d, page.messages));
    if (overlaps || !page.nextBefore) return;
    before = page.nextBefore;
  }
  // Too far behind to stitch: start this conversation over from the newest page.
  await client.resetQueries({ queryKey: key });
}
