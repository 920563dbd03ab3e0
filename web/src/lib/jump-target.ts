// The message a conversation should open at instead of its newest one (a search result). Set
// just before navigating there; the conversation view reads it, and clears it when the reader is
// back at the newest messages. Client-only state, so a tiny store and not the URL: a reload
// opens the conversation as usual.
import { useSyncExternalStore } from 'react';
import { conversationKey, type ConversationRef } from './conversation-ref';
import { createStore } from './store';

export interface JumpTarget {
  /** conversationKey() of where the message is. */
  conversation: string;
  messageId: string;
}

const target = createStore<JumpTarget | null>(null);

export function setJumpTarget(ref: ConversationRef, messageId: string) {
  target.set({ conversation: conversationKey(ref), messageId });
}

/** `key`: conversationKey() of the conversation whose target goes. */
export function clearJumpTarget(key: string) {
  target.set((current) => (current?.conversation === key ? null : current));
}

/** The message to open the conversation (its conversationKey()) at, or null for the newest. */
export function useJumpTarget(key: string): string | null {
  return useSyncExternalStore(target.subscribe, () => {
    const current = target.get();
    return current?.conversation === key ? current.messageId : null;
  });
}
