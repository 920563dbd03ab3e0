// 1:1 conversations as their owner sees them (the list, with their own settings) and changing
// those settings: mute, pin, archive, mark as unread. They are the owner's alone: stored here,
// then only their own screens and agents hear of it (the conversationSettingsChanged domain
// event; realtime/hub.ts pushes `conversation:update`).
import { MAX_MUTED_CONVERSATIONS, type ChatMessage, type ConversationSettingsBody, type ConversationUpdate } from '@messenger/protocol';
import { NO_SETTINGS, hasNoSettings, type ConversationSettingsRepository, type ConversationSettingsRow } from '../db/conversation-settings.repository.js';
import type { GroupsRepository } from '../db/groups.repository.js';
import type { MessagesRepository } from '../db/messages.repository.js';
import { errors } from '../errors.js';
import { applySettings, assertRoomForPin, isArchived } from './conversation-settings.js';
import type { DomainEvents } from './domain-events.js';

export interface ConversationEntry {
  peer: string;
  unread: number;
  muted: boolean;
  pinned: boolean;
  archived: boolean;
  markedUnread: boolean;
  lastMessage: ChatMessage | null;
}

type StoredRow = Omit<ConversationSettingsRow, 'peer'>;

/** The settings as a client sees them: archived depends on the last message (isArchived). */
function settingsView(peer: string, row: StoredRow, lastMessage: ChatMessage | null): ConversationUpdate {
  const muted = row.muted_at !== null;
  return { peer, muted, pinned: row.pinned_at !== null, archived: isArchived(row, muted, lastMessage), markedUnread: row.marked_unread === 1 };
}

function entry(peer: string, unread: number, lastMessage: ChatMessage | null, row: StoredRow = NO_SETTINGS): ConversationEntry {
  return { ...settingsView(peer, row, lastMessage), unread, lastMessage };
}

export function createConversationsService(deps: {
  messages: MessagesRepository;
  settings: ConversationSettingsRepository;
  groups: GroupsRepository;
  events: DomainEvents;
}) {
  return {
    /**
     * The `limit` most recent conversations, then every one with a setting not among them (an
     * older one, or a peer muted or pinned before any message): a client that loads the list
     * knows every setting, which the agent relies on to stay silent for someone who has not
     * written in a long time, and the list to show every pin.
     */
    async list(username: string, limit: number): Promise<ConversationEntry[]> {
      const [recent, rows] = await Promise.all([deps.messages.conversations(username, limit), deps.settings.listFor(username, MAX_MUTED_CONVERSATIONS)]);
      const byPeer = new Map(rows.map((r) => [r.peer, r]));
      const listed = new Set(recent.map((c) => c.peer));
      const rest = rows.map((r) => r.peer).filter((p) => !listed.has(p));
      const older = rest.length > 0 ? await deps.messages.conversationsWith(username, rest) : [];
      // Newest first; one whose messages were all hidden by `username` (no last message) last.
      const sentAt = (c: (typeof older)[number]) => c.lastMessage?.sentAt ?? '';
      older.sort((a, b) => (sentAt(a) < sentAt(b) ? 1 : sentAt(a) > sentAt(b) ? -1 : 0));
      const withHistory = new Set(older.map((c) => c.peer));
      return [
        ...[...recent, ...older].map((c) => entry(c.peer, c.unread, c.lastMessage, byPeer.get(c.peer))),
        ...rest.filter((p) => !withHistory.has(p)).map((peer) => entry(peer, 0, null, byPeer.get(peer))),
      ];
    },

    /**
     * Applies what `change` names, idempotently. `peer` must be an existing account (the route
     * checks). Muting yourself is refused: your own messages never notify, so it would mean
     * nothing; pinning or archiving notes to yourself is fine.
     */
    async update(username: string, peer: string, change: ConversationSettingsBody): Promise<ConversationUpdate> {
      if (change.muted === true && peer === username) throw errors.badRequest('You cannot mute yourself: your own messages never notify you.');
      const stored = await deps.settings.get(username, peer);
      const current = stored ?? { peer, ...NO_SETTINGS };
      const now = new Date().toISOString();
      const mutedAt = change.muted === undefined ? current.muted_at : change.muted ? (current.muted_at ?? now) : null;
      const next = { peer, muted_at: mutedAt, ...applySettings(current, change, now) };
      // One row per conversation with any setting on, and the list every client loads carries
      // them all: the rows are what is bounded, whichever setting makes a new one.
      if (stored === undefined && !hasNoSettings(next) && (await deps.settings.count(username)) >= MAX_MUTED_CONVERSATIONS) {
        throw errors.badRequest(`You can mute, pin, archive or mark at most ${MAX_MUTED_CONVERSATIONS} conversations; clear one first.`);
      }
      if (current.pinned_at === null && next.pinned_at !== null) {
        await assertRoomForPin([deps.settings.countPinned(username), deps.groups.countPinned(username)]);
      }
      await deps.settings.put(username, next);
      // Archived or not depends on the last message, as in the list.
      const [last] = next.archived_at !== null ? await deps.messages.conversationsWith(username, [peer]) : [];
      const settings = settingsView(peer, next, last?.lastMessage ?? null);
      // Told even when nothing changed: a screen that missed the first answer converges anyway.
      await deps.events.emit('conversationSettingsChanged', { username, update: settings });
      return settings;
    },
  };
}

export type ConversationsService = ReturnType<typeof createConversationsService>;
