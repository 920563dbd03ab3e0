// Pure helpers over the cached conversation list (most recent first).
import { laterState, type ChatMessage, type Conversation, type ConversationUpdate, type ReceiptState } from '@messenger/protocol';

export function peerOf(message: ChatMessage, me: string): string {
  return message.from === me ? message.to : message.from;
}

function byRecency(a: Conversation, b: Conversation): number {
  const at = a.lastMessage?.sentAt ?? '';
  const bt = b.lastMessage?.sentAt ?? '';
  return at === bt ? 0 : at < bt ? 1 : -1;
}

/** Every setting of mine off: a conversation as it starts. */
export const NO_SETTINGS = { muted: false, pinned: false, archived: false, markedUnread: false } as const;

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
  const base: Conversation = existing ?? { peer, online: false, unread: 0, ...NO_SETTINGS, lastMessage: null };
  const newer = !base.lastMessage || base.lastMessage.sentAt <= message.sentAt;
  const next: Conversation = {
    ...base,
    // A new message brings an archived conversation back unless it is muted (the server's rule).
    archived: base.archived && (base.muted || !newer),
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

/** What the conversations add to the title's count: their unread messages, and 1 for one marked unread with none. */
export function totalUnread(list: Conversation[] | undefined): number {
  return list?.reduce((n, c) => n + (c.unread > 0 ? c.unread : c.markedUnread ? 1 : 0), 0) ?? 0;
}

/** My settings of `update.peer` as the server now has them (a peer not listed yet is added, after the rest). */
export function applyConversationUpdate(list: Conversation[] | undefined, update: ConversationUpdate): Conversation[] | undefined {
  if (!list) return list;
  const { peer, ...settings } = update;
  const listed = list.find((c) => c.peer === peer);
  if (!listed) {
    const anySet = Object.values(settings).some(Boolean);
    return anySet ? [...list, { peer, online: false, unread: 0, ...settings, lastMessage: null }] : list;
  }
  const same = (Object.keys(settings) as (keyof typeof settings)[]).every((k) => listed[k] === settings[k]);
  return same ? list : list.map((c) => (c === listed ? { ...c, ...settings } : c));
}

/** A message's new state (edited, deleted, reactions) in the preview, if it is the preview. */
export function replacePreview(list: Conversation[] | undefined, peer: string, message: ChatMessage): Conversation[] | undefined {
  const c = list?.find((x) => x.peer === peer);
  if (!list || !c?.lastMessage || c.lastMessage.id !== message.id) return list;
  const lastMessage = { ...message, state: laterState(c.lastMessage.state, message.state) };
  return list.map((x) => (x === c ? { ...c, lastMessage } : x));
}
