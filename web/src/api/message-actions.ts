// Message actions (issue 18) through the shared client: edit, delete for everyone or for me, react
// and unreact. Each resolves once Kafka holds the change (202); its new state comes back as
// message:update. The client retries a busy server or a lost answer with the same
// Idempotency-Key, but briefly: the change already shows (optimistic), and a person should learn
// within seconds that it did not go through, rather than see it undone much later.
import type { ActionOptions } from '@messenger/client';
import { client } from './http';

const PERSON: ActionOptions = { maxAttempts: 3, maxElapsedMs: 10_000 };

export const editMessage = (id: string, text: string) => client.editMessage(id, text, PERSON);
export const deleteMessage = (id: string, scope: 'everyone' | 'me') => client.deleteMessage(id, scope, PERSON);
export const react = (id: string, emoji: string) => client.react(id, emoji, PERSON);
export const unreact = (id: string, emoji: string) => client.unreact(id, emoji, PERSON);
