// Query keys, in one place so the cache updaters and the hooks agree.
export const queryKeys = {
  me: ['me'] as const,
  conversations: ['conversations'] as const,
  messages: (peer: string) => ['messages', peer] as const,
  messagesRoot: ['messages'] as const,
  people: (q: string) => ['people', q] as const,
};
