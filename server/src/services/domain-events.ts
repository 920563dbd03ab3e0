// What the services tell the rest of the server after a change is stored: sessions ended,
// messages read, groups changed. Routes ask a service; the service stores, then emits here; the realtime hub
// subscribes and tells the sockets (on every instance). No module here imports the hub, and the
// hub imports only these types, so neither side can form an import cycle through the other.
// A service that must not answer before the listeners are done (a revocation must bind every
// process first) awaits `emit`; listeners report their own failures and never reject.
import type { ConversationUpdate, Profile } from '@messenger/protocol';

export interface DomainEventMap {
  /** These sessions ended (sign-out, or every other session of a user at a password change). */
  sessionsRevoked: { tokenHashes: string[]; reason: string };
  /** Every session of the user ended (sign out everywhere); `tokenHashes` are those sessions. */
  userSignedOut: { username: string; tokenHashes: string[]; reason: string };
  /** `reader` read `ids`, which `sender` sent, at `at`. */
  messagesRead: { reader: string; sender: string; ids: string[]; at: string };
  /** `reader` read their copies `ids` in group `group` at `at`; `bySender` groups them by sender. */
  groupMessagesRead: { reader: string; group: string; ids: string[]; bySender: Record<string, string[]>; at: string };
  /**
   * A group changed: created, renamed, members added or removed (or left), a role, or one
   * member's own settings (mute, pin, archive, unread mark). `members` are all its members now; `removed` those who just left it.
   * `only` is set when the change concerns that member's own view alone (their settings): the others
   * need not hear of it. `remote`: the change was made on another process (Postgres) and
   * relayed here, so that this process's sockets and caches learn of it too.
   */
  groupChanged: { groupId: string; members: string[]; removed: string[]; only?: string; remote?: true };
  /** `username` changed their settings of a 1:1 conversation (`update`: all of them now); only their own screens care. */
  conversationSettingsChanged: { username: string; update: ConversationUpdate };
  /** A user changed their display name or picture; `profile` is all of it now. */
  profileChanged: { profile: Profile };
}

type Listener<K extends keyof DomainEventMap> = (event: DomainEventMap[K]) => void | Promise<void>;

export function createDomainEvents() {
  // Keyed by event name; `on` and `emit` keep each list's listeners and payloads of one type.
  const listeners = new Map<keyof DomainEventMap, Listener<never>[]>();
  return {
    on<K extends keyof DomainEventMap>(name: K, listener: Listener<K>): void {
      listeners.set(name, [...(listeners.get(name) ?? []), listener as Listener<never>]);
    },
    /** Calls every listener now; resolves when all of them are done. */
    async emit<K extends keyof DomainEventMap>(name: K, event: DomainEventMap[K]): Promise<void> {
      await Promise.allSettled(((listeners.get(name) ?? []) as Listener<K>[]).map(async (listener) => listener(event)));
    },
  };
}

export type DomainEvents = ReturnType<typeof createDomainEvents>;
