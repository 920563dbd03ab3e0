// Accepting a message: check the recipient, honour Idempotency-Key, produce, answer once Kafka
// holds it. The sender is always the authenticated user, never a field of the request.
import { messageTextProblem, normalizeUsername, TEXT_PROBLEM_MESSAGES, type ChatRecord, type SendResponse } from '@messenger/protocol';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { v7 as uuidv7 } from 'uuid';
import type { GroupsRepository } from '../db/groups.repository.js';
import type { IdempotencyRepository } from '../db/idempotency.repository.js';
import type { UsersRepository } from '../db/users.repository.js';
import type { RecordCodec } from '../delivery/record-codec.js';
import { errors } from '../errors.js';
import { KafkaUnavailableError, type KafkaBus } from '../kafka/bus.js';
import type { Metrics } from '../plugins/metrics.js';

type Target = { kind: 'direct'; to: string } | { kind: 'group'; groupId: string };
type Message = { kind: 'direct'; record: ChatRecord } | { kind: 'group'; copy: Omit<ChatRecord & { v: 2 }, 'to'>; members: string[] };

// How long a recipient found to exist is taken to exist without asking the database again.
const KNOWN_RECIPIENT_MS = 5_000;

/** What an Idempotency-Key's request hash covers besides the text: a 1:1 and a group target never match. */
const targetKey = (target: Target) => (target.kind === 'direct' ? target.to : `#${target.groupId}`);

export function createSendService(deps: {
  bus: KafkaBus;
  codec: RecordCodec;
  users: UsersRepository;
  groups: Pick<GroupsRepository, 'fanOutTargets'>;
  idempotency: IdempotencyRepository;
  metrics: Metrics;
  retryAfterSeconds: number;
}) {
  // Concurrent requests with the same key share one produce.
  const inFlight = new Map<string, Promise<SendResponse>>();

  /**
   * A message is one record (1:1) or one copy per member (a group), all produced together. The
   * answer's position is the record's, or the sender's own copy's.
   */
  async function produce(message: Message, originSocket: string | undefined): Promise<{ partition: number; offset: number }> {
    const stop = deps.metrics.produceLatency.startTimer();
    try {
      let result: { partition: number; offset: number };
      if (message.kind === 'direct') {
        const { value, headers } = deps.codec.encode(message.record, originSocket);
        result = await deps.bus.produce(message.record.to, value, headers);
      } else {
        const copies = message.members.map((to) => ({ ...message.copy, to }));
        const positions = await deps.bus.produceAll(
          copies.map((copy) => {
            // Only the sender's own copy goes to the sender's screens.
            const { value, headers } = deps.codec.encode(copy, copy.to === copy.from ? originSocket : undefined);
            return { key: copy.to, value, headers };
          }),
        );
        result = positions[copies.findIndex((c) => c.to === c.from)] ?? positions[0] ?? { partition: 0, offset: -1 };
      }
      stop({ outcome: 'ok' });
      return result;
    } catch (error) {
      stop({ outcome: 'error' });
      if (error instanceof KafkaUnavailableError) throw errors.kafkaUnavailable(deps.retryAfterSeconds);
      throw error;
    }
  }

  async function sendWithKey(from: string, target: Target, text: string, key: string, originSocket: string | undefined): Promise<SendResponse> {
    const requestHash = createHash('sha256').update(`${targetKey(target)}\n${text}`).digest('hex');
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
      const message = await compose(from, target, text, existing.message_id, existing.sent_at);
      const at = await produce(message, originSocket);
      await deps.idempotency.complete(from, key, at.partition, at.offset);
      return { id: existing.message_id, partition: at.partition, offset: String(at.offset), sentAt: existing.sent_at };
    }
    const sentAt = new Date().toISOString();
    const id = uuidv7();
    const claimed = await deps.idempotency.claim({ sender: from, key, requestHash, messageId: id, sentAt, now: sentAt });
    if (!claimed) return sendWithKey(from, target, text, key, originSocket);
    const at = await produce(await compose(from, target, text, id, sentAt), originSocket);
    await deps.idempotency.complete(from, key, at.partition, at.offset);
    return { id, partition: at.partition, offset: String(at.offset), sentAt };
  }

  /**
   * The records of a message. A group's members are read at this moment: a member removed
   * before it gets no copy, one added before it gets one. A retry (same Idempotency-Key) reads
   * them again, so a copy already written for a member who left meanwhile is the only one they get.
   */
  async function compose(from: string, target: Target, text: string, id: string, sentAt: string): Promise<Message> {
    if (target.kind === 'direct') return { kind: 'direct', record: { v: 1, id, from, to: target.to, text, sentAt } };
    const group = await deps.groups.fanOutTargets(target.groupId, from);
    if (!group) throw errors.groupNotFound();
    return { kind: 'group', copy: { v: 2, id, from, text, sentAt, group: { id: target.groupId, name: group.name } }, members: group.members };
  }

  async function accept(from: string, target: Target, text: string, idempotencyKey: string | undefined, originSocket: string | undefined): Promise<SendResponse> {
    if (idempotencyKey === undefined) {
      const sentAt = new Date().toISOString();
      const message = await compose(from, target, text, uuidv7(), sentAt);
      const at = await produce(message, originSocket);
      const id = message.kind === 'direct' ? message.record.id : message.copy.id;
      return { id, partition: at.partition, offset: String(at.offset), sentAt };
    }
    const slot = `${from}\n${idempotencyKey}`;
    const running = inFlight.get(slot);
    if (running) return running;
    const promise = sendWithKey(from, target, text, idempotencyKey, originSocket).finally(() => inFlight.delete(slot));
    inFlight.set(slot, promise);
    return promise;
  }

  function checkText(text: string) {
    // The route's schema already refuses such text; this keeps the rule for any other caller.
    const problem = messageTextProblem(text);
    if (problem) throw errors.validation(`The message text ${TEXT_PROBLEM_MESSAGES[problem]}.`);
  }

  // A recipient seen lately exists: one query fewer per send. Only for a few seconds, since bots
  // can be deleted (on any instance): a send to one just deleted may still be accepted meanwhile,
  // like a message crossing the deletion on the wire.
  const knownRecipients = new LRUCache<string, true>({ max: 100_000, ttl: KNOWN_RECIPIENT_MS });

  return {
    /** A deleted account (a bot): sends to it are refused from now on, here at once. */
    forgetRecipient(username: string): void {
      knownRecipients.delete(username);
    },

    /** `originSocket`: the sender's socket that sent it (X-Socket-Id), which gets no echo. */
    async send(from: string, rawTo: string, text: string, idempotencyKey: string | undefined, originSocket?: string): Promise<SendResponse> {
      const to = normalizeUsername(rawTo);
      checkText(text);
      if (!knownRecipients.has(to)) {
        if (!(await deps.users.exists(to))) throw errors.recipientNotFound(to);
        knownRecipients.set(to, true);
      }
      if (to === from) throw errors.validation('You cannot send a message to yourself.');
      return accept(from, { kind: 'direct', to }, text, idempotencyKey, originSocket);
    },

    /** To every member of a group the sender belongs to (404 group_not_found otherwise). */
    async sendToGroup(from: string, groupId: string, text: string, idempotencyKey: string | undefined, originSocket?: string): Promise<SendResponse> {
      checkText(text);
      return accept(from, { kind: 'group', groupId }, text, idempotencyKey, originSocket);
    },
  };
}

export type SendService = ReturnType<typeof createSendService>;
