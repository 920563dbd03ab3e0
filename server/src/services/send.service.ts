// Accepting a message: check the recipient, honour Idempotency-Key, produce, answer once Kafka
// holds it. The sender is always the authenticated user, never a field of the request.
import { RecentIds } from '../delivery/recent-ids.js';
import { messageTextProblem, normalizeUsername, TEXT_PROBLEM_MESSAGES, type ChatRecordV1, type SendResponse } from '@messenger/protocol';
import { createHash } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { IdempotencyRepository } from '../db/idempotency.repository.js';
import type { UsersRepository } from '../db/users.repository.js';
import type { RecordCodec } from '../delivery/record-codec.js';
import { errors } from '../errors.js';
import { KafkaUnavailableError, type KafkaBus } from '../kafka/bus.js';
import type { Metrics } from '../plugins/metrics.js';

export function createSendService(deps: {
  bus: KafkaBus;
  codec: RecordCodec;
  users: UsersRepository;
  idempotency: IdempotencyRepository;
  metrics: Metrics;
  retryAfterSeconds: number;
}) {
  // Concurrent requests with the same key share one produce.
  const inFlight = new Map<string, Promise<SendResponse>>();

  async function produce(record: ChatRecordV1): Promise<{ partition: number; offset: number }> {
    const { value, headers } = deps.codec.encode(record);
    const stop = deps.metrics.produceLatency.startTimer();
    try {
      const result = await deps.bus.produce(record.to, value, headers);
      stop({ outcome: 'ok' });
      return result;
    } catch (error) {
      stop({ outcome: 'error' });
      if (error instanceof KafkaUnavailableError) throw errors.kafkaUnavailable(deps.retryAfterSeconds);
      throw error;
    }
  }

  async function sendWithKey(from: string, to: string, text: string, key: string): Promise<SendResponse> {
    const requestHash = createHash('sha256').update(`${to}\n${text}`).digest('hex');
    const existing = await deps.idempotency.find(from, key);
    if (existing) {
      if (existing.request_hash !== requestHash) throw errors.idempotencyConflict();
      if (existing.kafka_partition !== null && existing.kafka_offset !== null) {
        return {
          id: existing.message_id,
          partition: existing.kafka_partition,
          offset: String(existing.kafka_offset),
          sentAt: existing.sent_at,
        };
      }
      // Claimed but never confirmed (Kafka failed, or we crashed): produce again with the same
      // id. If the first attempt did land, the history store and clients dedupe by id.
      const record: ChatRecordV1 = { v: 1, id: existing.message_id, from, to, text, sentAt: existing.sent_at };
      const at = await produce(record);
      await deps.idempotency.complete(from, key, at.partition, at.offset);
      return { id: record.id, partition: at.partition, offset: String(at.offset), sentAt: record.sentAt };
    }
    const sentAt = new Date().toISOString();
    const record: ChatRecordV1 = { v: 1, id: uuidv7(), from, to, text, sentAt };
    const claimed = await deps.idempotency.claim({ sender: from, key, requestHash, messageId: record.id, sentAt, now: sentAt });
    if (!claimed) return sendWithKey(from, to, text, key);
    const at = await produce(record);
    await deps.idempotency.complete(from, key, at.partition, at.offset);
    return { id: record.id, partition: at.partition, offset: String(at.offset), sentAt };
  }

  // Accounts are never deleted, so a recipient seen once exists for good: one query fewer per send.
  const knownRecipients = new RecentIds(100_000);

  return {
    async send(from: string, rawTo: string, text: string, idempotencyKey: string | undefined): Promise<SendResponse> {
      const to = normalizeUsername(rawTo);
      // The route's schema already refuses such text; this keeps the rule for any other caller.
      const problem = messageTextProblem(text);
      if (problem) throw errors.validation(`The message text ${TEXT_PROBLEM_MESSAGES[problem]}.`);
      if (!knownRecipients.has(to)) {
        if (!(await deps.users.exists(to))) throw errors.recipientNotFound(to);
        knownRecipients.add(to);
      }
      if (to === from) throw errors.validation('You cannot send a message to yourself.');
      if (idempotencyKey === undefined) {
        const record: ChatRecordV1 = { v: 1, id: uuidv7(), from, to, text, sentAt: new Date().toISOString() };
        const at = await produce(record);
        return { id: record.id, partition: at.partition, offset: String(at.offset), sentAt: record.sentAt };
      }
      const slot = `${from}\n${idempotencyKey}`;
      const running = inFlight.get(slot);
      if (running) return running;
      const promise = sendWithKey(from, to, text, idempotencyKey).finally(() => inFlight.delete(slot));
      inFlight.set(slot, promise);
      return promise;
    },
  };
}

export type SendService = ReturnType<typeof createSendService>;
