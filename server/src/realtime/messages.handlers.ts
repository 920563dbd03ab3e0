// Socket events about messages: acknowledgements (delivery receipts; the ack batcher records
// them in the recipient's Kafka group), typing, and which conversation a visible tab shows.
import { AckPayload, FocusPayload, TypingPayload, type Ack } from '@messenger/protocol';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { groupConversation, groupOf } from '../db/schema.js';
import type { AckBatcher } from './ack-batcher.js';
import { userRoom, type ChatServer, type ChatSocket, type InOrder, type RealtimeDeps } from './context.js';
import type { PresenceRegistry } from './presence.js';
import type { DeliveredReceipts } from './receipts.js';

const ackCheck = TypeCompiler.Compile(AckPayload);
const typingCheck = TypeCompiler.Compile(TypingPayload);
const focusCheck = TypeCompiler.Compile(FocusPayload);
// A typing "true" is forwarded at most this often per conversation; "false" always goes.
const TYPING_THROTTLE_MS = 1000;
// Bounds the per-socket memory of typing: known peers, and when each was last told. Emptied
// when full rather than an lru-cache: that allocates arrays for all `max` entries up front
// (23 KiB at 1000, measured; an empty Set is 0.3 KiB), once per socket, where most sockets type
// to a handful of people.
const MAX_KNOWN_PEERS = 1000;

type Deps = RealtimeDeps & {
  io: ChatServer;
  presence: PresenceRegistry;
  acks: AckBatcher;
  receipts: DeliveredReceipts;
  inOrder: InOrder;
  /** True for the id of a change to a message this process sent the user (hub.ts). */
  isSentChange: (id: string) => boolean;
};

export function invalid<T>(message: string): Ack<T> {
  return { ok: false, error: { code: 'validation_failed', message } };
}

export function registerMessageHandlers(socket: ChatSocket, deps: Deps): void {
  const { username } = socket.data;
  const lastTyping = new Map<string, number>();

  socket.on('message:ack', (payload, ack) => {
    const reply = typeof ack === 'function' ? ack : () => undefined;
    if (!ackCheck.Check(payload)) return reply(invalid('message:ack takes { ids: [message id, ...] } (1 to 500 ids)'));
    acknowledge(username, payload.ids, deps)
      .then((n) => reply({ ok: true, data: { acknowledged: n } }))
      .catch((error: unknown) => {
        deps.logger.error({ err: error, username }, 'acknowledgement failed');
        reply({ ok: false, error: { code: 'service_unavailable', message: 'Could not record the acknowledgement; retry.' } });
      });
  });

  // Typing goes only to someone who shares a conversation with the typist: a stranger must not
  // learn that this user is online and composing. Known peers are remembered per socket (a
  // conversation, once it exists, stays); others are asked of the database each time, because
  // the first message may have created the conversation since. Checks run in the socket's order
  // (with its presence queries), so a "false" never overtakes the "true" before it, and a
  // presence answer means every earlier typing event was forwarded or dropped.
  const knownPeers = new Set<string>();
  const mayKnowTyping = async (to: string) => {
    if (knownPeers.has(to)) return true;
    if (!(await deps.messages.peersAmong(username, [to])).has(to)) return false;
    if (knownPeers.size >= MAX_KNOWN_PEERS) knownPeers.clear();
    knownPeers.add(to);
    return true;
  };
  socket.on('typing:set', (payload) => {
    if (!typingCheck.Check(payload)) return;
    if ('group' in payload) return groupTyping(payload.group, payload.typing);
    if (payload.to === username) return;
    const { to, typing } = payload;
    if (!throttled(to, typing)) return;
    deps
      .inOrder(() => mayKnowTyping(to))
      .then((allowed) => {
        if (allowed) socket.to(userRoom(to)).emit('typing:update', { from: username, typing });
      })
      .catch((error: unknown) => deps.logger.warn({ err: error, username }, 'typing check failed'));
  });

  // To the group's other members, checked against the membership each time (at most once a
  // second per group for "true"): someone removed stops being heard, and stops hearing, at once.
  function groupTyping(group: string, typing: boolean) {
    const slot = groupConversation(group);
    if (!throttled(slot, typing)) return;
    deps
      .inOrder(async () => ((await deps.groups.roleOf(group, username)) ? deps.groups.memberNames(group) : []))
      .then((members) => {
        const others = members.filter((m) => m !== username).map(userRoom);
        if (others.length > 0) deps.io.to(others).emit('typing:update', { from: username, typing, group });
      })
      .catch((error: unknown) => deps.logger.warn({ err: error, username }, 'group typing failed'));
  }

  /** False when a "true" for this conversation was forwarded less than a throttle period ago. */
  function throttled(slot: string, typing: boolean): boolean {
    const now = Date.now();
    if (!typing) {
      lastTyping.delete(slot);
      return true;
    }
    if (now - (lastTyping.get(slot) ?? 0) < TYPING_THROTTLE_MS) return false;
    // Names typed at need not be peers, so this map is bounded too.
    if (lastTyping.size >= MAX_KNOWN_PEERS) lastTyping.clear();
    lastTyping.set(slot, now);
    return true;
  }

  socket.on('focus:set', (payload) => {
    if (!focusCheck.Check(payload)) return;
    // Only this user's own notifications depend on it, so a group need not be checked here.
    deps.presence.setFocus(username, socket.id, payload.group !== undefined ? groupConversation(payload.group) : payload.peer);
  });
}

/**
 * Marks messages, and changes to messages (`message:update`'s change.id), delivered (the batcher
 * also moves the recipient's Kafka group) and tells the messages' senders: "delivered" names
 * exactly the message ids this acknowledgement moved, never others; a change has no receipt.
 * Returns how many changed state (repeats from other screens count zero).
 */
async function acknowledge(username: string, ids: string[], deps: Deps): Promise<number> {
  // One set lookup per id; only an ack naming a change costs the round a statement more.
  let messageIds = ids;
  let changeIds: string[] | undefined;
  if (ids.some(deps.isSentChange)) {
    changeIds = ids.filter(deps.isSentChange);
    messageIds = ids.filter((id) => !deps.isSentChange(id));
  }
  const { changed, changes, at } = await deps.acks.acknowledge(username, messageIds, changeIds);
  if (changed.length === 0) return changes;
  deps.metrics.acked.inc(changed.length);
  // Per sender and conversation: a group's receipts name the group.
  const bySender = new Map<string, { sender: string; group: string | undefined; ids: string[] }>();
  for (const row of changed) {
    const key = `${row.sender}\n${row.conversation}`;
    const entry = bySender.get(key) ?? { sender: row.sender, group: groupOf(row.conversation), ids: [] };
    entry.ids.push(row.id);
    bySender.set(key, entry);
  }
  for (const { sender, group, ids: senderIds } of bySender.values()) {
    if (sender !== username) deps.receipts.add(sender, username, senderIds, at, group);
  }
  return changed.length + changes;
}
