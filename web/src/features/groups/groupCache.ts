// Pure helpers over the cached list of my groups (GET /api/groups), most recent activity first.
import { laterState, mentions, type ChatMessage, type Group } from '@messenger/protocol';

/** When a group last saw activity: its newest message, else its creation. */
export function activityOf(group: Group): string {
  return group.lastMessage?.sentAt ?? group.createdAt;
}

function byActivity(a: Group, b: Group): number {
  const at = activityOf(a);
  const bt = activityOf(b);
  return at === bt ? 0 : at < bt ? 1 : -1;
}

/** A group message arrived or was sent: it becomes the preview if newer; incoming may count. */
export function bumpGroup(list: Group[] | undefined, message: ChatMessage, me: string, countUnread: boolean): Group[] | undefined {
  const ref = message.group;
  if (!list || !ref) return list;
  const existing = list.find((g) => g.id === ref.id);
  // Not (yet) in the list: the next refetch brings it with the server's counts.
  if (!existing || existing.lastMessage?.id === message.id) return list;
  const newer = !existing.lastMessage || existing.lastMessage.sentAt <= message.sentAt;
  const next: Group = {
    ...existing,
    // A new message brings an archived group back unless it is muted (the server's rule).
    archived: existing.archived && (existing.muted || !newer),
    lastMessage: newer ? message : existing.lastMessage,
    unread: existing.unread + (message.from !== me && countUnread ? 1 : 0),
  };
  return [next, ...list.filter((g) => g.id !== ref.id)].sort(byActivity);
}

/** A group:update: the group as I now see it, or null when I am no longer in it. */
export function applyGroupUpdate(list: Group[] | undefined, id: string, group: Group | null): Group[] | undefined {
  if (!list) return list;
  const rest = list.filter((g) => g.id !== id);
  return group ? [group, ...rest].sort(byActivity) : rest.length === list.length ? list : rest;
}

export function setGroupUnread(list: Group[] | undefined, id: string, unread: number): Group[] | undefined {
  if (!list?.some((g) => g.id === id && g.unread !== unread)) return list;
  return list.map((g) => (g.id === id ? { ...g, unread } : g));
}

/**
 * What a group adds to the title's count: its unread messages, or when muted only the ones that
 * mention me (counted live in `mentioned`; after a reload, at least its newest one if unread).
 */
export function groupAttention(group: Group, me: string, mentioned: number): number {
  if (!group.muted) return group.unread > 0 ? group.unread : group.markedUnread ? 1 : 0;
  if (group.unread === 0) return 0;
  const lastMentionsMe = group.lastMessage !== null && group.lastMessage.from !== me && mentions(group.lastMessage.text, me);
  return Math.min(group.unread, Math.max(mentioned, lastMentionsMe ? 1 : 0));
}

/** A message's new state (edited, deleted, reactions) in the group's preview, if it is the preview. */
export function replaceGroupPreview(list: Group[] | undefined, id: string, message: ChatMessage): Group[] | undefined {
  const g = list?.find((x) => x.id === id);
  if (!list || !g?.lastMessage || g.lastMessage.id !== message.id) return list;
  const lastMessage = { ...message, state: laterState(g.lastMessage.state, message.state) };
  return list.map((x) => (x === g ? { ...g, lastMessage } : x));
}
