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

/** Writes the records of the request as record `id` at time `at`; resolves with where Kafka put them. */
export type Produce = (id: string, at: string) => Promise<{ partition: number; offset: number }>;

/**
 * Reads and checks what a request needs, and gives the function that produces it. `retry`: the
 * key was claimed before, by a request that passed its checks, and never confirmed (Kafka failed,
 * we crashed, or it is still running elsewhere): its records may be on the topic already. Only
 * where they go is read again then; nothing that was accepted is refused (a delete replayed
 * after it was applied must not be 409 message_deleted). The store and clients dedupe by id.
 */
export type Prepare = (retry: boolean) => Promise<Produce>;

/** The hash an Idempotency-Key's request is compared by: `parts` in order, unambiguously. */
export function requestHash(parts: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export function createIdempotentProducer(idempotency: IdempotencyRepository) {
  // Concurrent requests with the same key share one produce (and a different request is refused).
  const inFlight = new Map<string, { hash: string; promise: Promise<Produced> }>();

  async function withKey(sender: string, key: string, hash: string, prepare: Prepare): Promise<Produced> {
    const existing = await idempotency.find(sender, key);
    if (existing) {
      if (existing.request_hash !== hash) throw errors.idempotencyConflict();
      const { message_id: id, sent_at: at } = existing;
      if (existing.kafka_partition !== null && existing.kafka_offset !== null) {
        return { id, at, partition: existing.kafka_partition, offset: existing.kafka_offset };
      }
      const where = await (await prepare(true))(id, at);
      await idempotency.complete(sender, key, where.partition, where.offset);
      return { id, at, ...where };
    }
    // Checked before the key is claimed: a claim always stands for a request that passed its
    // checks, so another instance finding it may skip them (above) without letting a refused
    // request through.
    const produce = await prepare(false);
    const at = new Date().toISOString();
    const id = uuidv7();
    // Claimed before producing, so a crash mid-produce retries with the same id.
    const claimed = await idempotency.claim({ sender, key, requestHash: hash, messageId: id, sentAt: at, now: at });
    if (!claimed) return withKey(sender, key, hash, prepare);
    let where: { partition: number; offset: number };
    try {
      where = await produce(id, at);
    } catch (error) {
      // Refused while composing (a 4xx: the group is gone) before anything was produced: the
      // key is free again. Kafka failing keeps the claim: the records may have landed, and a
      // retry must reuse the id.
      if (!(error instanceof AppError && error.code === 'kafka_unavailable')) await idempotency.release(sender, key);
      throw error;
    }
    await idempotency.complete(sender, key, where.partition, where.offset);
    return { id, at, ...where };
  }

  return {
    /** Without a key: checked, then produced under a fresh id. With one: see the module comment. */
    async run(sender: string, key: string | undefined, hash: string, prepare: Prepare): Promise<Produced> {
      if (key === undefined) {
        const produce = await prepare(false);
        const at = new Date().toISOString();
        const id = uuidv7();
        return { id, at, ...(await produce(id, at)) };
      }
      const slot = `${sender}\n${key}`;
      const running = inFlight.get(slot);
      if (running) {
        if (running.hash !== hash) throw errors.idempotencyConflict();
        return running.promise;
      }
      const promise = withKey(sender, key, hash, prepare).finally(() => inFlight.delete(slot));
      inFlight.set(slot, { hash, promise });
      return promise;
    },
  };
}

export type IdempotentProducer = ReturnType<typeof createIdempotentProducer>;
