// The per-recipient delivery record: how far a recipient's inbox group may be committed. All the
// offset arithmetic for the groups `<prefix>.inbox.<user>` lives here; kafka/inbox-commits.ts
// only sends.
//
// The rule: the committed offset on a partition is the lowest offset of a message to the
// recipient, or of a change to a message keyed by them (message actions), that no client of
// theirs acknowledged, or, when every one is acknowledged, an offset
// below which everything is stored. Catch-up treats everything below the committed offset as
// delivered, so a commit that runs ahead of an unacknowledged message loses it for good (issue
// 12, item 2: an ack of m2 alone used to commit past m1). It never moves backwards either.
import { LRUCache } from 'lru-cache';
import type { AckOutcome } from '../db/messages.repository.js';
import type { KafkaBus } from '../kafka/bus.js';

/** What one round of acknowledgements tells us about one partition of one recipient. */
export interface PartitionAcks {
  /** the lowest offset of a stored message to the recipient no client acknowledged; null: none */
  lowestUnacked: number | null;
  /** the highest offset this round marked delivered: it is stored, so is everything below it */
  highestAcked: number;
  /** the history consumer's position read before the round (everything below is stored), if known */
  position: number | undefined;
}

/**
 * The next offset to commit. The store is filled in partition order, so everything below a
 * stored message is stored: below the lowest unacknowledged one, every message to the recipient
 * is stored and acknowledged. With none left, the group may go up to the consumer's position
 * (read before the round counted, so a message stored meanwhile is above it): lag 0 then means
 * "nothing of theirs undelivered", whatever other users' traffic shares the partition.
 */
export function inboxCommitOffset(p: PartitionAcks): number {
  if (p.lowestUnacked !== null) return p.lowestUnacked;
  return Math.max(p.highestAcked + 1, p.position ?? 0);
}

/**
 * Folds one round of acknowledgements (the store's outcome per request, in request order) into
 * PartitionAcks per recipient and partition. `positions` are the history consumer's, read
 * before the round's transaction. A partition the store gave no lowest-undelivered answer for
 * is left out: committing nothing beats guessing "none left".
 */
export function roundAcks(
  round: readonly { recipient: string }[],
  outcomes: readonly (AckOutcome | undefined)[],
  positions: ReadonlyMap<number, number>,
): Map<string, Map<number, PartitionAcks>> {
  const byRecipient = new Map<string, Map<number, PartitionAcks>>();
  round.forEach((w, i) => {
    const outcome = outcomes[i];
    if (!outcome) return;
    const partitions = byRecipient.get(w.recipient) ?? new Map<number, PartitionAcks>();
    byRecipient.set(w.recipient, partitions);
    for (const row of outcome.changes ? [...outcome.changed, ...outcome.changes] : outcome.changed) {
      const p = row.kafka_partition;
      const lowestUnacked = outcome.lowestUndelivered.get(p);
      if (lowestUnacked === undefined) continue;
      const acks = partitions.get(p) ?? { lowestUnacked, highestAcked: -1, position: positions.get(p) };
      acks.highestAcked = Math.max(acks.highestAcked, row.kafka_offset);
      partitions.set(p, acks);
    }
  });
  return byRecipient;
}

/** The messages at or above their partition's committed inbox offset: those a catch-up still sends. */
export function aboveCommitted<T extends { partition: number; offset: number }>(messages: readonly T[], committed: ReadonlyMap<number, number>): T[] {
  return messages.filter((m) => m.offset >= (committed.get(m.partition) ?? 0));
}

// One entry per recipient (their messages share one partition): enough for every user active
// since long before the oldest entry falls out, which then only loses the backwards guard.
const REMEMBERED_GROUPS = 100_000;

/**
 * Turns rounds of acknowledgements into inbox commits. Each offset computed here is safe when
 * computed and stays safe (delivery marks are never removed), so the highest one wins: a round
 * finishing after a later one, or a screen acking older messages, never moves a group back.
 * Across restarts no guard is needed: a message acknowledged now was undelivered, so it lies at
 * or above any offset committed earlier from the same store. What this cannot order is two
 * server processes whose commits for one group cross on the wire (OffsetCommit has no
 * compare-and-set); the lower one is still safe, it only shows as lag until the next ack.
 */
export function createInboxRecord(bus: Pick<KafkaBus, 'commitInbox'>, capacity = REMEMBERED_GROUPS) {
  // Recency is that of the last move: peek() reads without refreshing, set() refreshes.
  const highest = new LRUCache<string, number>({ max: capacity });

  return {
    /** Commits what `partitions` allow for `recipient`; returns the offsets that move forward. */
    record(recipient: string, partitions: ReadonlyMap<number, PartitionAcks>): Map<number, number> {
      const moved = new Map<number, number>();
      for (const [partition, acks] of partitions) {
        const offset = inboxCommitOffset(acks);
        const key = `${partition}:${recipient}`;
        const before = highest.peek(key);
        if (before !== undefined && before >= offset) continue;
        highest.set(key, offset);
        bus.commitInbox(recipient, partition, offset);
        moved.set(partition, offset);
      }
      return moved;
    },
  };
}

export type InboxRecord = ReturnType<typeof createInboxRecord>;
