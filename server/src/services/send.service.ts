// Accepting a message: check the recipient, honour Idempotency-Key, produce, answer once Kafka
// holds it. The sender is always the authenticated user, never a field of the request.
import { messageTextProblem, normalizeUsername, REPLY_EXCERPT_LENGTH, TEXT_PROBLEM_MESSAGES, type ChatRecord, type ReplyRef, type SendResponse } from '@messenger/protocol';
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { GroupsRepository } from '../db/groups.repository.js';
import type { IdempotencyRepository } from '../db/idempotency.repository.js';
import type { MessageActionsRepository } from '../db/message-actions.repository.js';
import type { UsersRepository } from '../db/users.repository.js';
import type { RecordCodec } from '../delivery/record-codec.js';
import { errors } from '../errors.js';
import { KafkaUnavailableError, type KafkaBus } from '../kafka/bus.js';
import type { Metrics } from '../plugins/metrics.js';
import { createIdempotentProducer, requestHash } from './idempotent-produce.js';

type Target = { kind: 'direct'; to: string } | { kind: 'group'; groupId: string };
type Message = { kind: 'direct'; record: ChatRecord } | { kind: 'group'; copy: Omit<ChatRecord & { v: 2 }, 'to'>; members: string[] };

// How long a recipient found to exist is taken to exist without asking the database again.
const KNOWN_RECIPIENT_MS = 5_000;

/** A reply's quote: the first REPLY_EXCERPT_LENGTH code points, never half a surrogate pair. */
export function excerpt(text: string): string {
  const points = Array.from(text);
  return points.length <= REPLY_EXCERPT_LENGTH ? text : points.slice(0, REPLY_EXCERPT_LENGTH).join('');
}

/** What an Idempotency-Key's request hash covers besides the text: a 1:1 and a group target never match. */
const targetKey = (target: Target) => (target.kind === 'direct' ? target.to : `#${target.groupId}`);

export function createSendService(deps: {
  bus: KafkaBus;
  codec: RecordCodec;
  users: UsersRepository;
  groups: Pick<GroupsRepository, 'fanOutTargets'>;
  messageActions: Pick<MessageActionsRepository, 'forActor'>;
  idempotency: IdempotencyRepository;
  metrics: Metrics;
  retryAfterSeconds: number;
}) {
  const idempotent = createIdempotentProducer(deps.idempotency);

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

  /**
   * The quote of the message a reply answers: it must be of the same conversation (1:1: the same
   * two people; a group: the sender's own copy there) and not hidden by the sender, else 404 as
   * for any message one cannot see; a deleted one has nothing left to quote (409), unless this is
   * a retry of a reply accepted before the delete: that one goes with an emptied quote rather
   * than refusing what was accepted.
   */
  async function quote(from: string, target: Target, replyTo: string, retry: boolean): Promise<ReplyRef> {
    const original = await deps.messageActions.forActor(replyTo, from);
    const same =
      original !== undefined &&
      !original.hiddenByActor &&
      (target.kind === 'direct'
        ? original.groupId === undefined && (original.sender === target.to || original.recipient === target.to)
        : original.groupId === target.groupId);
    if (!same) throw errors.messageNotFound();
    if (original.deleted) {
      if (retry) return { id: original.id, from: original.sender, text: '', deleted: true };
      throw errors.messageDeleted();
    }
    return { id: original.id, from: original.sender, text: excerpt(original.text) };
  }

  /**
   * The records of a message. A group's members are read at this moment: a member removed
   * before it gets no copy, one added before it gets one. A retry (same Idempotency-Key) reads
   * them again, so a copy already written for a member who left meanwhile is the only one they get.
   */
  async function compose(from: string, target: Target, text: string, replyTo: ReplyRef | undefined, id: string, sentAt: string): Promise<Message> {
    const reply = replyTo === undefined ? {} : { replyTo };
    if (target.kind === 'direct') return { kind: 'direct', record: { v: 1, id, from, to: target.to, text, sentAt, ...reply } };
    const group = await groupOf(target.groupId, from);
    return { kind: 'group', copy: { v: 2, id, from, text, sentAt, group: { id: target.groupId, name: group.name }, ...reply }, members: group.members };
  }

  async function groupOf(groupId: string, from: string): Promise<{ name: string; members: string[] }> {
    const group = await deps.groups.fanOutTargets(groupId, from);
    if (!group) throw errors.groupNotFound();
    return group;
  }

  async function accept(from: string, target: Target, text: string, replyTo: string | undefined, idempotencyKey: string | undefined, originSocket: string | undefined): Promise<SendResponse> {
    // Hashed as before replies existed when there is none, so keys in use across an upgrade still match.
    const hash =
      replyTo === undefined
        ? createHash('sha256').update(`${targetKey(target)}\n${text}`).digest('hex')
        : requestHash(['send', targetKey(target), text, replyTo]);
    const sent = await idempotent.run(from, idempotencyKey, hash, async (retry) => {
      // Someone not in the group hears that first, not what became of the message they quote.
      if (replyTo !== undefined && target.kind === 'group') await groupOf(target.groupId, from);
      const quoted = replyTo === undefined ? undefined : await quote(from, target, replyTo, retry);
      return async (id, sentAt) => produce(await compose(from, target, text, quoted, id, sentAt), originSocket);
    });
    return { id: sent.id, partition: sent.partition, offset: String(sent.offset), sentAt: sent.at };
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
    /** `replyTo`: the id of a message of the same conversation, quoted in the record (ReplyRef). */
    async send(from: string, rawTo: string, text: string, idempotencyKey: string | undefined, originSocket?: string, replyTo?: string): Promise<SendResponse> {
      const to = normalizeUsername(rawTo);
      checkText(text);
      if (!knownRecipients.has(to)) {
        if (!(await deps.users.exists(to))) throw errors.recipientNotFound(to);
        knownRecipients.set(to, true);
      }
      if (to === from) throw errors.validation('You cannot send a message to yourself.');
      return accept(from, { kind: 'direct', to }, text, replyTo, idempotencyKey, originSocket);
    },

    /** To every member of a group the sender belongs to (404 group_not_found otherwise). */
    async sendToGroup(from: string, groupId: string, text: string, idempotencyKey: string | undefined, originSocket?: string, replyTo?: string): Promise<SendResponse> {
      checkText(text);
      return accept(from, { kind: 'group', groupId }, text, replyTo, idempotencyKey, originSocket);
    },
  };
}

export type SendService = ReturnType<typeof createSendService>;
