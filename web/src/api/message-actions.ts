// Message actions (issue 18) through the shared client: edit, delete for everyone or for me, react
// and unreact. Each resolves once Kafka holds the change (202); its new state comes back as
// message:update. The client retries a busy server or a lost answer with the same
// Idempotency-Key, but briefly: the change already shows (optimistic), and a person should learn
// within seconds that it did not go through, rather than see it undone much later.
import type { ActionOptions } from '@messenger/client';
import { ApiError, client } from './http';

const PERSON: ActionOptions = { maxAttempts: 3, maxElapsedMs: 10_000 };

// A send's 202 means Kafka holds the message; the action routes look in the store, which takes it
// a few ms later. An action in that gap (a reaction right after sending) answers
// message_not_found, so for a message this tab has just seen accepted, try again for ~2 s before
// saying so. The server does not wait for its store: that would hold a request per action.
const NOT_STORED_YET_DELAYS_MS = [100, 200, 400, 600, 800];
const JUST_ACCEPTED_MS = 30_000;
const MAX_ACCEPTED = 500;
const accepted = new Map<string, number>();

/** A send of this tab was accepted (202) as `id`. Bounded, oldest forgotten first. */
export function noteAccepted(id: string, now = Date.now()): void {
  accepted.delete(id);
  accepted.set(id, now);
  if (accepted.size > MAX_ACCEPTED) {
    const oldest = accepted.keys().next().value;
    if (oldest !== undefined) accepted.delete(oldest);
  }
}

function justAccepted(id: string): boolean {
  const at = accepted.get(id);
  return at !== undefined && Date.now() - at < JUST_ACCEPTED_MS;
}

async function onceStored<T>(id: string, request: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await request();
    } catch (error) {
      const delay = NOT_STORED_YET_DELAYS_MS[n];
      // A refusal leaves nothing behind on the server (its Idempotency-Key stays free), so each
      // try is a new request.
      if (!(error instanceof ApiError) || error.code !== 'message_not_found' || delay === undefined || !justAccepted(id)) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export const editMessage = (id: string, text: string) => onceStored(id, () => client.editMessage(id, text, PERSON));
export const deleteMessage = (id: string, scope: 'everyone' | 'me') => onceStored(id, () => client.deleteMessage(id, scope, PERSON));
export const react = (id: string, emoji: string) => onceStored(id, () => client.react(id, emoji, PERSON));
export const unreact = (id: string, emoji: string) => onceStored(id, () => client.unreact(id, emoji, PERSON));
