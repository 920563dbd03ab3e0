// The statements of an acknowledgement round (messages.repository.ts markDeliveredMany runs
// them in one transaction): which copies moved to delivered, which changes to messages did (an
// acknowledged id may be a change's: message-changes.repository.ts), and what is still
// undelivered, messages and changes together.
import { sql, type CompiledQuery, type Transaction } from 'kysely';
import { chunks } from './chunks.js';
import type { Db } from './database.js';
import { precompiled, slot } from './precompiled.js';
import type { Database } from './schema.js';

// Pairs per statement: each costs three parameters (SQLite allows 32,766, Postgres 65,535).
const ACK_CHUNK = 2000;

/** A copy an ack round moved to delivered. */
export interface Delivered {
  recipient: string;
  id: string;
  sender: string;
  conversation: string;
  kafka_partition: number;
  kafka_offset: number;
}

/** A change to a message an ack round moved to delivered. */
export interface DeliveredChange {
  recipient: string;
  id: string;
  kafka_partition: number;
  kafka_offset: number;
}

/**
 * The statements of an ack round, compiled once per shape (precompiled.ts).
 *
 * markDelivered: one UPDATE for a whole round's (recipient, id) pairs. Row values compare as
 * pairs, so a group message's id acknowledged by one member never moves another member's copy.
 * The plain `id IN` is what steers Postgres to the (id, recipient) key (EXPLAIN: an index scan
 * then a hash semi-join with the VALUES list); SQLite searches that key from the row values.
 *
 * lowestUndelivered: for each (recipient, partition), the lowest offset of theirs still
 * undelivered (null: none), in one statement, over messages and changes to messages alike. A
 * scalar subquery per pair and table rather than MIN() ... GROUP BY: each reads one entry of a
 * partial index (messages_undelivered, message_changes_undelivered), however large a backlog is
 * behind it. VALUES columns are column1, column2 on both databases; the cast types the
 * partition for Postgres, which would otherwise take an untyped parameter as text.
 *
 * markChangesDelivered: markDelivered's UPDATE for message_changes, run only when a round
 * acknowledges changes (their ids are told apart before: realtime/hub.ts), so a round of message
 * acknowledgements, the hot path, runs no statement more than before.
 */
/**
 * Trusts the recipient's Kafka group: every message or change of theirs below its committed offset
 * on `partition` was delivered. One statement for either table, which share these columns.
 */
export async function markDeliveredBelowIn(
  db: Db,
  table: 'messages' | 'message_changes',
  below: { recipient: string; partition: number; offset: number; now: string },
): Promise<number> {
  const result = await db
    .updateTable(table)
    .set({ delivered_at: below.now })
    .where('recipient', '=', below.recipient)
    .where('kafka_partition', '=', below.partition)
    .where('kafka_offset', '<', below.offset)
    .where('delivered_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export function ackStatements(db: Db) {
  // The shape is "<distinct ids>:<pairs>".
  const update = precompiled((shape: string) => {
    const [ids = 0, pairs = 0] = shape.split(':').map(Number);
    return db
      .updateTable('messages')
      .set({ delivered_at: slot(0) })
      .where('delivered_at', 'is', null)
      .where('id', 'in', Array.from({ length: ids }, (_, i) => slot(1 + i)))
      .where(sql<boolean>`(recipient, id) IN (VALUES ${sql.join(Array.from({ length: pairs }, (_, i) => sql`(${slot(1 + ids + 2 * i)}, ${slot(2 + ids + 2 * i)})`))})`)
      .returning(['recipient', 'id', 'sender', 'conversation', 'kafka_partition', 'kafka_offset'])
      .compile();
  });
  const updateChanges = precompiled((shape: string) => {
    const [ids = 0, pairs = 0] = shape.split(':').map(Number);
    return db
      .updateTable('message_changes')
      .set({ delivered_at: slot(0) })
      .where('delivered_at', 'is', null)
      .where('id', 'in', Array.from({ length: ids }, (_, i) => slot(1 + i)))
      .where(sql<boolean>`(recipient, id) IN (VALUES ${sql.join(Array.from({ length: pairs }, (_, i) => sql`(${slot(1 + ids + 2 * i)}, ${slot(2 + ids + 2 * i)})`))})`)
      .returning(['recipient', 'id', 'kafka_partition', 'kafka_offset'])
      .compile();
  });
  /** Runs one of the two UPDATEs over (recipient, id) pairs, in chunks. */
  async function markPairs<R>(
    trx: Transaction<Database>,
    statement: (shape: string, values: readonly unknown[]) => CompiledQuery<R>,
    pairs: readonly (readonly [string, string])[],
    now: string,
  ): Promise<R[]> {
    const out: R[] = [];
    for (const chunk of chunks(pairs, ACK_CHUNK)) {
      const ids = [...new Set(chunk.map(([, id]) => id))];
      const values: unknown[] = [now, ...ids];
      for (const [recipient, id] of chunk) values.push(recipient, id);
      const { rows } = await trx.executeQuery(statement(`${ids.length}:${chunk.length}`, values));
      out.push(...rows);
    }
    return out;
  }
  const lowest = precompiled((pairs: number) =>
    sql`
      SELECT t.column1 AS recipient, t.column2 AS kafka_partition,
        (SELECT m.kafka_offset FROM messages m
          WHERE m.recipient = t.column1 AND m.kafka_partition = t.column2 AND m.delivered_at IS NULL
          ORDER BY m.kafka_offset LIMIT 1) AS lowest,
        (SELECT c.kafka_offset FROM message_changes c
          WHERE c.recipient = t.column1 AND c.kafka_partition = t.column2 AND c.delivered_at IS NULL
          ORDER BY c.kafka_offset LIMIT 1) AS lowest_change
      FROM (VALUES ${sql.join(Array.from({ length: pairs }, (_, i) => sql`(${slot(2 * i)}, CAST(${slot(2 * i + 1)} AS integer))`))}) AS t`.compile(db),
  );
  return {
    markDelivered: (trx: Transaction<Database>, pairs: readonly (readonly [string, string])[], now: string) => markPairs(trx, update<Delivered>, pairs, now),

    markChangesDelivered: (trx: Transaction<Database>, pairs: readonly (readonly [string, string])[], now: string) =>
      markPairs(trx, updateChanges<DeliveredChange>, pairs, now),

    async lowestUndelivered(trx: Transaction<Database>, pairs: readonly (readonly [string, number])[]) {
      const found = new Map<string, Map<number, number | null>>();
      for (const chunk of chunks(pairs, ACK_CHUNK)) {
        type Row = { recipient: string; kafka_partition: number | string; lowest: number | string | null; lowest_change: number | string | null };
        const { rows } = await trx.executeQuery(lowest<Row>(chunk.length, chunk.flat()));
        for (const row of rows) {
          const byPartition = found.get(row.recipient) ?? new Map<number, number | null>();
          const both = [row.lowest, row.lowest_change].filter((o) => o !== null).map(Number);
          byPartition.set(Number(row.kafka_partition), both.length === 0 ? null : Math.min(...both));
          found.set(row.recipient, byPartition);
        }
      }
      return found;
    },
  };
}
