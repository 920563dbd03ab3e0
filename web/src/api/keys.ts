// Query keys, in one place so the cache updaters and the hooks agree.
export const queryKeys = {
  me: ['me'] as const,
  conversations: ['conversations'] as const,
  messages: (peer: string) => ['messages', peer] as const,
  messagesRoot: ['messages'] as const,
  people: (q: string) => ['people', q] as const,
  groups: ['groups'] as const,
  /** A group's history lives beside the 1:1 ones but never under a username's key. */
  groupMessages: (id: string) => ['group-messages', id] as const,
  groupMessagesRoot: ['group-messages'] as const,
  groupMembers: (id: string) => ['group-members', id] as const,
  bots: ['bots'] as const,
  tokens: ['tokens'] as const,
  webhooks: ['webhooks'] as const,
  /** A message search: the text and where (everywhere, one peer or one group). */
  search: (q: string, scope: string) => ['search', q, scope] as const,
  /** A window of history opened around a message (a search result), by conversation and message. */
  historyAround: (conversation: string, id: string) => ['history-around', conversation, id] as const,
  /** One person's display name and picture (api/profiles.ts); null when there is no such account. */
  profile: (username: string) => ['profile', username] as const,
  profilesRoot: ['profile'] as const,
  groupReceipts: (id: string, messageId: string) => ['group-receipts', id, messageId] as const,
};
