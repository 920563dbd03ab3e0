// How the conversation list is laid out: pinned conversations first, then the rest, each by most
// recent activity, with 1:1 conversations and groups mixed; archived ones apart, at the bottom.
// Pinned ones keep to activity order too, rather than the order they were pinned in: the list then
// has one rule, the contract one flag, and with at most ten pins the newest stays easy to find.
import type { Conversation, Group } from '@messenger/protocol';
import { activityOf } from '../groups/groupCache';

export type Item = { kind: 'conversation'; at: string; conversation: Conversation } | { kind: 'group'; at: string; group: Group };

export interface Sections {
  pinned: Item[];
  main: Item[];
  archived: Item[];
}

export function settingsOf(item: Item): Conversation | Group {
  return item.kind === 'conversation' ? item.conversation : item.group;
}

export function keyOf(item: Item): string {
  return item.kind === 'conversation' ? `c:${item.conversation.peer}` : `g:${item.group.id}`;
}

/** Archived wins over pinned: an archived conversation is out of the way, wherever it was. */
export function listSections(conversations: Conversation[] = [], groups: Group[] = []): Sections {
  const items: Item[] = [
    ...conversations.map((c): Item => ({ kind: 'conversation', at: c.lastMessage?.sentAt ?? '', conversation: c })),
    ...groups.map((g): Item => ({ kind: 'group', at: activityOf(g), group: g })),
  ].sort((a, b) => (a.at === b.at ? 0 : a.at < b.at ? 1 : -1));
  const sections: Sections = { pinned: [], main: [], archived: [] };
  for (const item of items) {
    const s = settingsOf(item);
    (s.archived ? sections.archived : s.pinned ? sections.pinned : sections.main).push(item);
  }
  return sections;
}
