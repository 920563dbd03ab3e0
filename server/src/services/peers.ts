// Who counts as someone's peer for presence: a 1:1 conversation partner, or a co-member of a
// group. Presence answers and pushes go to peers only; a stranger always reads as offline.
import type { GroupsRepository } from '../db/groups.repository.js';
import type { MessagesRepository } from '../db/messages.repository.js';

/**
 * Groups up to this size push their members' comings and goings to each other. Members of bigger
 * groups learn them by asking (presence:query, GET /api/people), as a chat app's member list
 * does: one person in ten groups of 1,000 would otherwise make every connect and disconnect a
 * broadcast to 10,000 rooms.
 */
export const PRESENCE_PUSH_MAX_GROUP_SIZE = 100;
/** And at most this many co-members hear one transition, whatever the groups. */
export const PRESENCE_PUSH_MAX_CO_MEMBERS = 1000;

export function createPeers(deps: { messages: MessagesRepository; groups: GroupsRepository }) {
  return {
    /** Those of `candidates` who are `username`'s peers (a conversation or a group in common). */
    async among(username: string, candidates: readonly string[]): Promise<Set<string>> {
      const peers = await deps.messages.peersAmong(username, candidates);
      const rest = candidates.filter((c) => c !== username && !peers.has(c));
      if (rest.length === 0) return peers;
      for (const u of await deps.groups.coMembersAmong(username, rest)) if (u !== username) peers.add(u);
      return peers;
    },

    /**
     * Whom to tell that `username` came or went: every conversation partner, and the online
     * co-members of their groups of at most PRESENCE_PUSH_MAX_GROUP_SIZE (at most
     * PRESENCE_PUSH_MAX_CO_MEMBERS of them). Offline co-members are left out, so the one room
     * emit stays small enough for one NOTIFY between instances.
     */
    async toTell(username: string, onlineAmong: (usernames: readonly string[]) => Promise<Set<string>>): Promise<string[]> {
      const [direct, coMembers] = await Promise.all([
        deps.messages.peersOf(username),
        deps.groups.coMembersOf(username, PRESENCE_PUSH_MAX_GROUP_SIZE, PRESENCE_PUSH_MAX_CO_MEMBERS),
      ]);
      const online = coMembers.length > 0 ? await onlineAmong(coMembers) : new Set<string>();
      return [...new Set([...direct, ...coMembers.filter((u) => online.has(u))])];
    },
  };
}

export type Peers = ReturnType<typeof createPeers>;
