// Pure helpers over the cached conversation list (most recent first).
import { laterState, type ChatMessage, type Conversation, type ReceiptState } from '@messenger/protocol';

export function peerOf(message: ChatMessage, me: string): string {
  return message.from === me ? message.to : message.from;
}

function byRecency(a: Conversation, b: Conversation): number {
  const at = a.lastMessage?.sentAt ?? '';
  const bt = b.lastMessage?.sentAt ?? '';
  return at === bt ? 0 : at < bt ? 1 : -1;
}

/** A message arrived or was sent: it becomes the preview if newer; incoming ones may count unread. */
export function bumpConversation(
  list: Conversation[] | undefined,
  message: ChatMessage,
  me: string,
  countUnread: boolean,
): Conversation[] | undefined {
  if (!list) return list;
  const peer = peerOf(message, me);
  const existing = list.find((c) => c.peer === peer);
  if (existing?.lastMessage?.id === message.id) return list;
  const incoming = message.from === peer;
  const base: Conversation = existing ?? { peer, online: false, unread: 0, muted: false, lastMessage: null };
  const newer = !base.lastMessage || base.lastMessage.sentAt <= message.sentAt;
  const next: Conversation = {
    ...base,
    lastMessage: newer ? message : base.lastMessage,
    unread: base.unread + (incoming && countUnread ? 1 : 0),
  };
  return [next, ...list.filter((c) => c.peer !== peer)].sort(byRecency);
}

export function setUnread(list: Conversation[] | undefined, peer: string, unread: number): Conversation[] | undefined {
  if (!list?.some((c) => c.peer === peer && c.unread !== unread)) return list;
  return list.map((c) => (c.peer === peer ? { ...c, unread } : c));
}

export function setOnline(list: Conversation[] | undefined, username: string, online: boolean): Conversation[] | undefined {
  if (!list?.some((c) => c.peer === username && c.online !== online)) return list;
  return list.map((c) => (c.peer === username ? { ...c, online } : c));
}

export function applyReceiptToPreview(
  list: Conversation[] | undefined,
  peer: string,
  ids: ReadonlySet<string>,
  state: ReceiptState,
): Conversation[] | undefined {
  if (!list) return list;
  const c = list.find((x) => x.peer === peer);
  if (!c?.lastMessage || !ids.has(c.lastMessage.id)) return list;
  const next = laterState(c.lastMessage.state, state);
  if (next === c.lastMessage.state) return list;
  return list.map((x) => (x === c ? { ...c, lastMessage: { ...c.lastMessage!, state: next } } : x));
}

/** The peer turned out to be a bot (see learnPeerKind in ingest.ts). */
export function markBot(list: Conversation[] | undefined, peer: string): Conversation[] | undefined {
  if (!list?.some((c) => c.peer === peer && !c.bot)) return list;
  return list.map((c) => (c.peer === peer ? { ...c, bot: true } : c));
}

export function totalUnread(list: Conversation[] | undefined): number {
  return list?.reduce((n, c) => n + c.unread, 0) ?? 0;
}
