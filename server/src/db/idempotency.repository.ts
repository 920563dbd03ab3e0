// Idempotency keys for POST /send and the message actions: the same key from the same person always
// maps to one record id (services/idempotent-produce.ts).
import type { Db } from './database.js';

export function createIdempotencyRepository(db: Db) {
  return {
    find(sender: string, key: string) {
      return db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('sender', '=', sender)
        .where('idem_key', '=', key)
        .executeTakeFirst();
    },
    /** Claims the key before producing, so a crash mid-send retries with the same message id. */
    async claim(row: { sender: string; key: string; requestHash: string; messageId: string; sentAt: string; now: string }) {
      const result = await db
        .insertInto('idempotency_keys')
        .values({
          sender: row.sender,
          idem_key: row.key,
          request_hash: row.requestHash,
          message_id: row.messageId,
          kafka_partition: null,
          kafka_offset: null,
          sent_at: row.sentAt,
          created_at: row.now,
        })
        .onConflict((oc) => oc.columns(['sender', 'idem_key']).doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },
    async complete(sender: string, key: string, partition: number, offset: number) {
      await db
        .updateTable('idempotency_keys')
        .set({ kafka_partition: partition, kafka_offset: offset })
        .where('sender', '=', sender)
        .where('idem_key', '=', key)
        .execute();
    },
    /** Frees a key whose request was refused before anything was produced, so a retry is judged afresh. */
    async release(sender: string, key: string) {
      await db
        .deleteFrom('idempotency_keys')
        .where('sender', '=', sender)
        .where('idem_key', '=', key)
        .where('kafka_partition', 'is', null)
        .execute();
    },
    async deleteOlderThan(cutoff: string) {
      await db.deleteFrom('idempotency_keys').where('created_at', '<', cutoff).execute();
    },
  };
}

export type IdempotencyRepository = ReturnType<typeof createIdempotencyRepository>;
