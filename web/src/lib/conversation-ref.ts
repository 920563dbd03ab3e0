// One name for "a conversation", 1:1 or group, for the parts that treat both alike (search, the
// jump to a message). Peers are usernames and group ids are UUIDs, so one string key cannot clash.
export type ConversationRef = { peer: string } | { group: string };

export function conversationKey(ref: ConversationRef): string {
  return 'peer' in ref ? `peer:${ref.peer}` : `group:${ref.group}`;
}
