// Catch-up on connect: everything addressed to the user that no client of theirs acknowledged.
// The history store holds the messages; the recipient's Kafka group says what was delivered.
// When Kafka has no offsets (expired, deleted, or Kafka unreachable) the store's own delivery
// marks decide, so catch-up survives offsets.retention.minutes and topic retention.
import type { PendingMessage } from '../db/messages.repository.js';
import { aboveCommitted } from '../delivery/inbox.js';
import type { ChatSocket, Positioned, RealtimeDeps } from './context.js';

const BATCH_SIZE = 500;
const MAX_CATCH_UP = 100_000;
// How long catch-up waits for this process's live consumer to pass its backlog. Past it the
// client may get a message twice (it dedupes by id); nothing is lost either way.
const PUSHED_WAIT_MS = 5_000;

/**
 * Sends the backlog, then the live messages that arrived meanwhile (`endSync` hands them over
 * and lets the socket receive live again), then `sync:done`.
 */
export async function catchUp(socket: ChatSocket, deps: RealtimeDeps, endSync: () => Positioned[]): Promise<void> {
  const { username } = socket.data;
  // Before the backlog query: everything below is in the store now, so the query finds what of
  // it is undelivered; pushes of it are dropped (held ones below, later ones in the hub).
  const storedAtSync = await deps.storedNow();
  socket.data.storedAtSync = storedAtSync;
  const undelivered = await deps.messages.undelivered(username, MAX_CATCH_UP);
  const owed = undelivered.length > 0 ? await dropWhatKafkaSaysWasDelivered(username, undelivered, deps) : [];
  await untilPushedPast(owed, deps);
  // The Kafka positions stop here: a client is sent the message alone.
  const pending = owed.map((p) => p.message);
  const sent = new Set(pending.map((m) => m.id));
  for (const { message: m, partition, offset } of endSync()) {
    if (offset < (storedAtSync.get(partition) ?? 0)) continue;
    if (!sent.has(m.id)) {
      sent.add(m.id);
      pending.push(m);
    }
  }
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

/**
 * The backlog is what the store holds; this process's live consumer may not have pushed all of it
 * yet (it just started, or another instance stored it a moment ago). Pushed later, after
 * `sync:done`, such a message would reach the socket a second time. Pushed while the socket still
 * syncs, it is held and dropped as a repeat of the backlog. So wait for the live consumer to pass
 * the backlog's last offset on each partition.
 */
async function untilPushedPast(owed: PendingMessage[], deps: RealtimeDeps): Promise<void> {
  const last = new Map<number, number>();
  for (const p of owed) last.set(p.partition, Math.max(p.offset, last.get(p.partition) ?? -1));
  const deadline = Date.now() + PUSHED_WAIT_MS;
  for (const [partition, offset] of last) {
    const pushed = await deps.pushed.until(partition, offset, Math.max(0, deadline - Date.now())).catch(() => undefined);
    if (pushed === undefined) {
      deps.logger.debug({ partition, offset }, 'the live consumer is behind the backlog; a repeat may follow');
      return;
    }
  }
}
