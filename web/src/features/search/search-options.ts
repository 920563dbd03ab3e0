// What the search box lists, in order: conversations and groups by name (from the lists already
// cached), people by name (GET /api/people), then messages (GET /api/search). One flat list, so
// ↑/↓ move through the groups as one; each option knows where it leads.
import type { Conversation, Group, PublicUser, SearchHit } from '@messenger/protocol';
import type { ConversationRef } from '../../lib/conversation-ref';
import { conversationPath, groupPath } from '../../lib/router';

export type SearchOption =
  | { kind: 'conversation'; key: string; name: string; group: boolean; colourKey: string; path: string }
  | { kind: 'person'; key: string; user: PublicUser; path: string }
  | { kind: 'message'; key: string; hit: SearchHit; where: ConversationRef; name: string; path: string }
  /** Loads the next page of message results; an option so the keyboard reaches it too. */
  | { kind: 'more'; key: string };

const MAX_NAMES = 5;

const contains = (name: string, q: string) => name.toLowerCase().includes(q);

export function buildOptions(input: {
  q: string;
  me: string;
  conversations: readonly Conversation[] | undefined;
  groups: readonly Group[] | undefined;
  people: readonly PublicUser[] | undefined;
  hits: readonly SearchHit[] | undefined;
  /** Inside one conversation only its messages are listed. */
  scoped: boolean;
  /** More message results can be loaded. */
  more?: boolean;
}): SearchOption[] {
  const q = input.q.trim().toLowerCase();
  if (!q) return [];
  const options: SearchOption[] = [];
  if (!input.scoped) {
    const names: SearchOption[] = [
      ...(input.conversations ?? [])
        .filter((c) => contains(c.peer, q))
        .map((c): SearchOption => ({ kind: 'conversation', key: `c:${c.peer}`, name: c.peer, group: false, colourKey: c.peer, path: conversationPath(c.peer) })),
      ...(input.groups ?? [])
        .filter((g) => contains(g.name, q))
        .map((g): SearchOption => ({ kind: 'conversation', key: `g:${g.id}`, name: g.name, group: true, colourKey: g.id, path: groupPath(g.id) })),
    ];
    options.push(...names.slice(0, MAX_NAMES));
    // People I already talk to are listed above as conversations.
    const known = new Set((input.conversations ?? []).map((c) => c.peer));
    const people = (input.people ?? []).filter((u) => u.username !== input.me && !known.has(u.username) && u.username.startsWith(q));
    options.push(...people.slice(0, MAX_NAMES).map((user): SearchOption => ({ kind: 'person', key: `p:${user.username}`, user, path: conversationPath(user.username) })));
  }
  for (const hit of input.hits ?? []) {
    const c = hit.conversation;
    const where: ConversationRef = 'peer' in c ? { peer: c.peer } : { group: c.group.id };
    const name = 'peer' in c ? c.peer : c.group.name;
    options.push({ kind: 'message', key: `m:${hit.message.id}`, hit, where, name, path: 'peer' in c ? conversationPath(c.peer) : groupPath(c.group.id) });
  }
  if (input.more) options.push({ kind: 'more', key: 'more' });
  return options;
}
