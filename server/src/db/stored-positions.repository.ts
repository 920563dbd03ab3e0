// How far the history store is filled, per partition of the messages topic (table
// stored_positions): written in the very transaction that stores a batch, read by every instance
// to know which records it may push. On Postgres each write is also announced with NOTIFY on
// STORED_CHANNEL, delivered to listeners only once the transaction commits, so an instance learns
// of a stored batch within a round trip instead of polling for it.
import { sql, type Transaction } from 'kysely';
import type { Db } from './database.js';
import { precompiled, slot } from './precompiled.js';
import type { Database } from './schema.js';

export const STORED_CHANNEL = 'messenger_stored';

/** The announcement on STORED_CHANNEL: the topic and its new positions as [partition, next offset]. */
export interface StoredAnnouncement {
  topic: string;
  positions: [number, number][];
}

/**
 * Returns the writer of a store's positions, run in the very transaction that stores a batch.
 * Its UPSERT is compiled once per partition count (precompiled.ts): it runs once per history
 * round.
 */
export function storedPositionsWriter(db: Db) {
  const upsert = precompiled((partitions: number) =>
    db
      .insertInto('stored_positions')
      .values(Array.from({ length: partitions }, (_, i) => ({ topic: slot(3 * i), kafka_partition: slot<number>(3 * i + 1), next_offset: slot<number>(3 * i + 2) })))
      .onConflict((oc) =>
        oc.columns(['topic', 'kafka_partition']).doUpdateSet({
          // Never backwards: a replay after a rebalance stores old offsets again.
          next_offset: sql`CASE WHEN excluded.next_offset > stored_positions.next_offset THEN excluded.next_offset ELSE stored_positions.next_offset END`,
        }),
      )
      .compile(),
  );
  return async function writeStoredPositions(
    trx: Transaction<Database>,
    options: { topic: string; positions: ReadonlyMap<number, number>; announce: boolean },
  ): Promise<void> {
    const { topic, positions } = options;
    if (positions.size === 0) return;
    // In partition order: two instances storing in one moment (a rebalance hands a partition over)
    // lock the rows in one order and cannot deadlock.
    const sorted = [...positions].sort(([a], [b]) => a - b);
    await trx.executeQuery(upsert(sorted.length, sorted.flatMap(([partition, next]) => [topic, partition, next])));
    if (options.announce) {
      const payload: StoredAnnouncement = { topic, positions: sorted };
      await sql`SELECT pg_notify(${STORED_CHANNEL}, ${JSON.stringify(payload)})`.execute(trx);
    }
  };
}

/** Parses an announcement; anything malformed is ignored (the poll catches up). */
export function parseStoredAnnouncement(payload: string, topic: string): Map<number, number> | undefined {
  try {
    const parsed = JSON.parse(payload) as Partial<StoredAnnouncement>;
    if (parsed.topic !== topic || !Array.isArray(parsed.positions)) return undefined;
    const out = new Map<number, number>();
    for (const entry of parsed.positions) {
      if (Array.isArray(entry) && Number.isSafeInteger(entry[0]) && Number.isSafeInteger(entry[1])) out.set(entry[0], entry[1]);
    }
    return out;
  } catch {
    return undefined;
  }
}

export function createStoredPositionsRepository(db: Db) {
  return {
    async read(topic: string): Promise<Map<number, number>> {
      const rows = await db.selectFrom('stored_positions').select(['kafka_partition', 'next_offset']).where('topic', '=', topic).execute();
      return new Map(rows.map((r) => [r.kafka_partition, Number(r.next_offset)]));
    },
  };
}

export type StoredPositionsRepository = ReturnType<typeof createStoredPositionsRepository>;
