// Catch-up on connect: everything addressed to the user that no client of theirs acknowledged,
// messages and then changes to messages (message actions).
// The history store holds both; the recipient's Kafka group says what was delivered.
// When Kafka has no offsets (expired, deleted, or Kafka unreachable) the store's own delivery
// marks decide, so catch-up survives offsets.retention.minutes and topic retention.
import type { MessageUpdate } from '@messenger/protocol';
import type { PendingChange } from '../db/message-changes.repository.js';
import type { PendingMessage } from '../db/messages.repository.js';
import { aboveCommitted } from '../delivery/inbox.js';
import type { ChatSocket, Held, PositionedUpdate, RealtimeDeps } from './context.js';

const BATCH_SIZE = 500;
const MAX_CATCH_UP = 100_000;
const MAX_CHANGES = 10_000;

export interface CatchUpHooks {
  /** Hands over what live pushes held for this socket meanwhile, and lets it receive live again. */
  endSync: () => Held[];
  /** Emits one update to this socket; `owed`: keyed by this user, whose ack of it then counts. */
  emitUpdate: (update: MessageUpdate, owed: boolean) => void;
  /** Changes whose message is no longer the user's to see: delivered, there is nothing to send. */
  nothingToDeliver: (changeIds: string[]) => void;
}

/**
 * Sends the backlog, then the live messages that arrived meanwhile, then the undelivered changes
 * (each as its message's state now, so after the messages they change) and the live updates held
 * meanwhile, then `sync:done`.
 */
export async function catchUp(socket: ChatSocket, deps: RealtimeDeps, hooks: CatchUpHooks): Promise<void> {
  const { username } = socket.data;
  // Where the store stands, read before the backlog query, splits the partition in two for this
  // socket. Below it: stored, so the query finds what is undelivered; pushes of it are dropped
  // (held ones here, later ones in the hub), since this instance's live consumer may be behind
  // and push a record the client had in an earlier backlog or acknowledged on another instance.
  // From it on: not stored yet when read, so not pushed yet either (pushed implies stored), and
  // this instance's live consumer pushes it to the socket, which joined its room before.
  const storedAtSync = await deps.storedNow();
  socket.data.storedAtSync = storedAtSync;
  const below = (partition: number, offset: number) => offset < (storedAtSync.get(partition) ?? 0);
  const undelivered = (await deps.messages.undelivered(username, MAX_CATCH_UP)).filter((p) => below(p.partition, p.offset));
  const changes = (await deps.changes.undelivered(username, MAX_CHANGES)).filter((c) => below(c.partition, c.offset));
  const owed = undelivered.length > 0 || changes.length > 0 ? await dropWhatKafkaSaysWasDelivered(username, undelivered, changes, deps) : { messages: [], changes: [] };
  // Read before the live pushes are let through: nothing is awaited from endSync() to sync:done,
  // so no live frame can come between the backlog and sync:done.
  const backlogUpdates = await updatesOf(username, owed.changes, deps, hooks);
  // The Kafka positions stop here: a client is sent the message alone.
  const pending = owed.messages.map((p) => p.message);
  const heldUpdates: PositionedUpdate[] = [];
  for (const held of hooks.endSync()) {
    if (below(held.partition, held.offset)) continue;
    if ('update' in held) heldUpdates.push(held);
    else pending.push(held.message);
  }
  for (let i = 0; i < pending.length && socket.connected; i += BATCH_SIZE) {
    socket.emit('message:batch', { messages: pending.slice(i, i + BATCH_SIZE) });
  }
  for (const update of backlogUpdates) hooks.emitUpdate(update, true);
  for (const held of heldUpdates) hooks.emitUpdate(held.update, held.recipient === username);
  socket.emit('sync:done', { delivered: pending.length });
}

/** Each change with its message as the user sees it now, in the changes' order. */
async function updatesOf(username: string, changes: PendingChange[], deps: RealtimeDeps, hooks: CatchUpHooks): Promise<MessageUpdate[]> {
  if (changes.length === 0) return [];
  const views = await deps.changes.views(
    username,
    changes.map((c) => (c.group ? { id: c.messageId, recipient: username } : { id: c.messageId })),
  );
  const updates: MessageUpdate[] = [];
  const gone: string[] = [];
  for (const c of changes) {
    const view = views.get(c.messageId);
    if (!view) {
      gone.push(c.id);
      continue;
    }
    const hidden = view.hidden === true || c.kind === 'hide';
    updates.push({ change: { id: c.id, kind: c.kind, by: c.by, at: c.at }, message: view.message, ...(hidden ? { hidden: true } : {}) });
  }
  if (gone.length > 0) hooks.nothingToDeliver(gone);
  return updates;
}

async function dropWhatKafkaSaysWasDelivered(
  username: string,
  messages: PendingMessage[],
  changes: PendingChange[],
  deps: RealtimeDeps,
): Promise<{ messages: PendingMessage[]; changes: PendingChange[] }> {
  let committed: Map<number, number>;
  try {
    committed = await deps.bus.fetchInboxOffsets(username);
  } catch (error) {
    deps.logger.warn({ err: error, username }, 'inbox offsets unavailable; catching up from the history store');
    return { messages, changes };
  }
  if (committed.size === 0) return { messages, changes };
  const now = new Date().toISOString();
  for (const [partition, offset] of committed) {
    await deps.messages.markDeliveredBelow(username, partition, offset, now);
    if (changes.length > 0) await deps.changes.markDeliveredBelow(username, partition, offset, now);
  }
  return { messages: aboveCommitted(messages, committed), changes: aboveCommitted(changes, committed) };
}
