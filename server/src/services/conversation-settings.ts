// What 1:1 conversations and groups share about a person's own settings of them: how a PATCH
// body applies to the stored times, when an archived conversation counts as archived, and the
// one cap on pins across both kinds.
import { MAX_PINNED_CONVERSATIONS, type ChatMessage, type ConversationSettingsBody } from '@messenger/protocol';
import type { StoredSettings } from '../db/schema.js';
import { errors } from '../errors.js';


/**
 * `current` with `change` applied at `now`. A setting already on keeps its time (pinning a
 * pinned conversation does not move it), except archiving: archiving again restarts the clock,
 * so that a conversation a message brought back can be archived anew.
 */
export function applySettings(current: StoredSettings, change: ConversationSettingsBody, now: string): StoredSettings {
  const time = (on: boolean | undefined, was: string | null, restart = false) => (on === undefined ? was : on ? (restart || was === null ? now : was) : null);
  return {
    pinned_at: time(change.pinned, current.pinned_at),
    archived_at: time(change.archived, current.archived_at, true),
    marked_unread: change.markedUnread === undefined ? current.marked_unread : change.markedUnread ? 1 : 0,
  };
}

/**
 * Archived, as the owner sees it: archived, and no message since, unless it is muted (Telegram's
 * rule: a conversation you silenced stays out of the way). Derived when read rather than cleared
 * when a message is stored: the message path stays free of settings, and catch-up, replays and
 * every instance agree without a write racing the archiving.
 */
export function isArchived(settings: Pick<StoredSettings, 'archived_at'>, muted: boolean, lastMessage: Pick<ChatMessage, 'sentAt'> | null): boolean {
  if (settings.archived_at === null) return false;
  return muted || lastMessage === null || lastMessage.sentAt <= settings.archived_at;
}

/** Refuses one more pin when `username` already has the most (1:1 and groups together). */
export async function assertRoomForPin(pinnedCounts: readonly Promise<number>[]): Promise<void> {
  const total = (await Promise.all(pinnedCounts)).reduce((a, b) => a + b, 0);
  if (total >= MAX_PINNED_CONVERSATIONS) {
    throw errors.badRequest(`You can pin at most ${MAX_PINNED_CONVERSATIONS} conversations; unpin one first.`);
  }
}
