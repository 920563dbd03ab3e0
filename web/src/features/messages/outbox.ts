// Messages on their way: shown at once as "sending", as "failed" with Retry when /send fails.
// Each keeps its Idempotency-Key, so a retry can never send the text twice. Once the server
// accepts one (202) it moves into the cached history under its real id and leaves the outbox.
import { MAX_TEXT_LENGTH, ReplyRef, check } from '@messenger/protocol';
import { useSyncExternalStore } from 'react';
import { registerSessionStore } from '../../lib/session-stores';
import { createStore } from '../../lib/store';
import { persistPerUser } from '../../lib/user-storage';

export interface OutboxEntry {
  key: string;
  /** The conversation: the peer's username, or `#<groupId>` for a group (never a username). */
  to: string;
  /** Set for a group message: where it goes, and the name its copies carry. */
  group?: { id: string; name: string };
  text: string;
  /** A reply: the message it answers, quoted as this tab shows it until the server's quote arrives. */
  replyTo?: ReplyRef;
  createdAt: string;
  status: 'sending' | 'failed';
  error?: string;
  /** Id of our own message the socket already delivered back while the 202 was on its way. */
  echoOf?: string;
  /**
   * Failed for a reason that passes (offline, server busy, rate limit, a reload mid-send): sent
   * again by itself, with the same key, once the connection is back (useResendWhenOnline).
   */
  retryable?: boolean;
}

const NONE: readonly OutboxEntry[] = [];
/** More unsent messages than this is a stuck client, not a user's backlog: the oldest go. */
const MAX_KEPT = 100;

export const outbox = createStore<readonly OutboxEntry[]>(NONE);
registerSessionStore(() => outbox.set(NONE));

const isEntry = (e: unknown): e is OutboxEntry => {
  if (typeof e !== 'object' || e === null) return false;
  const o = e as Record<string, unknown>;
  const group = o.group as Record<string, unknown> | undefined;
  return (
    typeof o.key === 'string' &&
    o.key.length <= 64 &&
    typeof o.to === 'string' &&
    o.to.length <= 80 &&
    typeof o.text === 'string' &&
    o.text.length > 0 &&
    o.text.length <= MAX_TEXT_LENGTH &&
    typeof o.createdAt === 'string' &&
    (o.status === 'sending' || o.status === 'failed') &&
    (group === undefined || (typeof group === 'object' && group !== null && typeof group.id === 'string' && typeof group.name === 'string')) &&
    (o.replyTo === undefined || check(ReplyRef, o.replyTo))
  );
};

// Unsent messages survive a reload (and show in every tab): what a person wrote is not lost
// because the page went away before the server took it.
persistPerUser('outbox', outbox, {
  empty: NONE,
  isEmpty: (all) => all.length === 0,
  toJson: (all) => all.map(({ key, to, group, text, replyTo, createdAt, status, error, retryable }) => ({ key, to, group, text, replyTo, createdAt, status, error, retryable })),
  fromJson: (raw) => (Array.isArray(raw) ? raw.filter(isEntry).slice(-MAX_KEPT) : NONE),
  // Another tab's messages are its own to show and send; this tab only leaves them in place.
  perTab: { merge: (stored, here) => [...stored.filter((e) => !mine.has(e.key)), ...here].slice(-MAX_KEPT) },
  // Left "sending" by an earlier page: whether the server took it is unknown, and the same key
  // makes a resend safe either way (the answer is the first message's id).
  revive: (all) =>
    // A page that loads takes over whatever is stored: the tab that wrote it is gone, or will
    // send it with the same key (the server answers the first message's id either way).
    all.map((e) => (mine.add(e.key), e)).map((e) => (e.status === 'sending' ? { ...e, status: 'failed' as const, error: 'Not sent yet. Sending again when online.', retryable: true } : e)),
});

export function addToOutbox(entry: OutboxEntry) {
  mine.add(entry.key);
  outbox.set((all) => [...all, entry]);
}

export function updateOutbox(key: string, patch: Partial<OutboxEntry>) {
  outbox.set((all) => all.map((e) => (e.key === key ? { ...e, ...patch } : e)));
}

/**
 * The server echoes every message to its sender's sockets, sometimes before the 202 arrives.
 * The oldest matching entry still sending is that message: it hides, so it never shows twice.
 */
export function claimEcho(message: { id: string; to: string; text: string; group?: { id: string } }): boolean {
  const all = outbox.get();
  if (all.some((e) => e.echoOf === message.id)) return true;
  // My copy of a group message is addressed to me; the entry is filed under the group.
  const to = message.group ? groupOutboxKey(message.group.id) : message.to;
  const entry = all.find((e) => e.status === 'sending' && !e.echoOf && e.to === to && e.text === message.text);
  if (!entry) return false;
  updateOutbox(entry.key, { echoOf: message.id });
  return true;
}

/** The outbox's (and the drafts') name for a group: `#` is never part of a username. */
export function groupOutboxKey(groupId: string): string {
  return `#${groupId}`;
}

/** Every key this tab has held: a stored entry with another key is another tab's, and is kept. */
const mine = new Set<string>();
registerSessionStore(() => mine.clear());

export function removeFromOutbox(key: string) {
  outbox.set((all) => all.filter((e) => e.key !== key));
}

const EMPTY: readonly OutboxEntry[] = [];
let lastAll: readonly OutboxEntry[] | null = null;
const perPeer = new Map<string, readonly OutboxEntry[]>();

function selectPeer(peer: string): readonly OutboxEntry[] {
  const all = outbox.get();
  if (all !== lastAll) {
    lastAll = all;
    perPeer.clear();
  }
  let entries = perPeer.get(peer);
  if (!entries) {
    const filtered = all.filter((e) => e.to === peer);
    entries = filtered.length === 0 ? EMPTY : filtered;
    perPeer.set(peer, entries);
  }
  return entries;
}

export function useOutbox(peer: string): readonly OutboxEntry[] {
  return useSyncExternalStore(outbox.subscribe, () => selectPeer(peer));
}
