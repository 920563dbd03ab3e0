// Idempotency-Key for everything a person produces to the messages topic (a message, a change to
// one): the same key and the same request from the same person always give the same record id,
// produced at least once; the same key with another request is 409 idempotency_conflict.
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { IdempotencyRepository } from '../db/idempotency.repository.js';
import { AppError, errors } from '../errors.js';

export interface Produced {
  id: string;
  /** When it was accepted the first time (a message's sentAt, a change's at). */
  at: string;
  partition: number;
  offset: number;
}

/**
 * Writes the records of request `id` at time `at`. `retry`: the key was claimed before but never
 * confirmed (Kafka failed, or we crashed), so the records may be on the topic already; the store
 * and clients dedupe by id, and the caller must not refuse what it accepted the first time.
 */
export type ProduceWith = (id: string, at: string, retry: boolean) => Promise<{ partition: number; offset: number }>;

/** The hash an Idempotency-Key's request is compared by: `parts` in order, unambiguously. */
export function requestHash(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export function createIdempotentProducer(idempotency: IdempotencyRepository) {
  // Concurrent requests with the same key share one produce (and a different request is refused).
  const inFlight = new Map<string, { hash: string; promise: Promise<Produced> }>();

  async function withKey(sender: string, key: string, hash: string, produce: ProduceWith): Promise<Produced> {
    const existing = await idempotency.find(sender, key);
    if (existing) {
      if (existing.request_hash !== hash) throw errors.idempotencyConflict();
      const { message_id: id, sent_at: at } = existing;
      if (existing.kafka_partition !== null && existing.kafka_offset !== null) {
        return { id, at, partition: existing.kafka_partition, offset: existing.kafka_offset };
      }
      const where = await produce(id, at, true);
      await idempotency.complete(sender, key, where.partition, where.offset);
      return { id, at, ...where };
    }
    const at = new Date().toISOString();
    const id = uuidv7();
    // Claimed before producing, so a crash mid-produce retries with the same id.
    const claimed = await idempotency.claim({ sender, key, requestHash: hash, messageId: id, sentAt: at, now: at });
    if (!claimed) return withKey(sender, key, hash, produce);
    let where: { partition: number; offset: number };
    try {
      where = await produce(id, at, false);
    } catch (error) {
      // Refused (a 4xx) before anything was produced: the key is free again, so a retry is judged
      // afresh rather than taken for a retry of something accepted. Kafka failing keeps the
      // claim: the records may have landed, and a retry must reuse the id.
      if (!(error instanceof AppError && error.code === 'kafka_unavailable')) await idempotency.release(sender, key);
      throw error;
    }
    await idempotency.complete(sender, key, where.partition, where.offset);
    return { id, at, ...where };
  }

  return {
    /** Without a key: a fresh id each time. With one: see the module comment. */
    async run(sender: string, key: string | undefined, hash: string, produce: ProduceWith): Promise<Produced> {
      if (key === undefined) {
        const at = new Date().toISOString();
        const id = uuidv7();
        return { id, at, ...(await produce(id, at, false)) };
      }
      const slot = `${sender}\n${key}`;
      const running = inFlight.get(slot);
      if (running) {
        if (running.hash !== hash) throw errors.idempotencyConflict();
        return running.promise;
      }
      const promise = withKey(sender, key, hash, produce).finally(() => inFlight.delete(slot));
      inFlight.set(slot, { hash, promise });
      return promise;
    },
  };
}

export type IdempotentProducer = ReturnType<typeof createIdempotentProducer>;
