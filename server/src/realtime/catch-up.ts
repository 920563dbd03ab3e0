// Catch-up on connect: everything addressed to the user that no client of theirs acknowledged.
// The history store holds the messages; the recipient's Kafka group says what was delivered.
// When Kafka has no offsets (expired, deleted, or Kafka unreachable) the store's own delivery
// marks decide, so catch-up survives offsets.retention.minutes and topic retention.
import type { PendingMessage } from '../db/messages.repository.js';
import { aboveCommitted } from '../delivery/inbox.js';
import type { ChatSocket, Positioned, RealtimeDeps } from './context.js';

const BATCH_SIZE = 500;
const MAX_CATCH_UP = 100_000;

/**
 * Sends the backlog, then the live messages that arrived meanwhile (`endSync` hands them over
 * and lets the socket receive live again), then `sync:done`.
 */
export async function catchUp(socket: ChatSocket, deps: RealtimeDeps, endSync: () => Positioned[]): Promise<void> {
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
  const owed = undelivered.length > 0 ? await dropWhatKafkaSaysWasDelivered(username, undelivered, deps) : [];
  // The Kafka positions stop here: a client is sent the message alone.
  const pending = owed.map((p) => p.message);
  for (const { message, partition, offset } of endSync()) if (!below(partition, offset)) pending.push(message);
  for (let i = 0; i < pending.length && socket.connected; i += BATCH_SIZE) {
    socket.emit('message:batch', { messages: pending.slice(i, i + BATCH_SIZE) });
  }
  socket.emit('sync:done', { delivered: pending.length });
}

async function dropWhatKafkaSaysWasDelivered(
  username: string,
  pending: PendingMessage[],
  deps: RealtimeDeps,
): Promise<PendingMessage[]> {
  let committed: Map<number, number>;
  try {
    committed = await deps.bus.fetchInboxOffsets(username);
  } catch (error) {
    deps.logger.warn({ err: error, username }, 'inbox offsets unavailable; catching up from the history store');
    return pending;
  }
  if (committed.size === 0) return pending;
  const now = new Date().toISOString();
  for (const [partition, offset] of committed) {
    await deps.messages.markDeliveredBelow(username, partition, offset, now);
  }
  return aboveCommitted(pending, committed);
}

