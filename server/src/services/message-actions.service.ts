// Accepting a change to a message (edit, delete for everyone, delete for me, react, unreact):
// who may do what to which message, then the change records on the messages topic, answered once
// Kafka holds them all. The store applies them when they come back (delivery/store-pipeline.ts);
// nothing here writes the message itself.
import {
  MAX_DISTINCT_REACTIONS,
  isReactionEmoji,
  messageTextProblem,
  TEXT_PROBLEM_MESSAGES,
  type ChangeKind,
  type ChangeRecordV3,
  type ChangeResponse,
} from '@messenger/protocol';
import type { IdempotencyRepository } from '../db/idempotency.repository.js';
import type { ActedOnMessage, MessageActionsRepository } from '../db/message-actions.repository.js';
import type { RecordCodec } from '../delivery/record-codec.js';
import { errors } from '../errors.js';
import { KafkaUnavailableError, type KafkaBus, type ProduceResult } from '../kafka/bus.js';
import type { Metrics } from '../plugins/metrics.js';
import { createIdempotentProducer, requestHash } from './idempotent-produce.js';

export type MessageAction =
  | { kind: 'edit'; text: string }
  | { kind: 'delete' }
  | { kind: 'hide' }
  | { kind: 'react'; emoji: string }
  | { kind: 'unreact'; emoji: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A change as produced: its records (the actor's own first when they get one) and how. */
interface Change {
  records: ChangeRecordV3[];
  /** A group's copies go in one Kafka transaction: every member's view changes, or none does. */
  transaction: boolean;
}

export function createMessageActionsService(deps: {
  bus: Pick<KafkaBus, 'produce' | 'produceAll'>;
  codec: RecordCodec;
  messages: MessageActionsRepository;
  idempotency: IdempotencyRepository;
  metrics: Metrics;
  retryAfterSeconds: number;
  /** MESSAGE_EDIT_WINDOW_SECONDS in ms; 0: no limit. */
  editWindowMs: number;
}) {
  const idempotent = createIdempotentProducer(deps.idempotency);

  /**
   * The refusals, in the order a person can act on them: a message they cannot see (404, alike
   * for one that does not exist), not theirs to edit or delete for everyone (403), deleted
   * (409: only hiding it is left), too old to edit (403), one emoji too many (409).
   */
  async function check(actor: string, message: ActedOnMessage, action: MessageAction): Promise<void> {
    if (message.hiddenByActor) throw errors.messageNotFound();
    const authorOnly = action.kind === 'edit' || action.kind === 'delete';
    if (authorOnly && message.sender !== actor) throw errors.notMessageAuthor();
    if (action.kind === 'hide') return;
    if (message.deleted) throw errors.messageDeleted();
    if (authorOnly && deps.editWindowMs > 0 && Date.now() - Date.parse(message.sentAt) > deps.editWindowMs) {
      throw errors.editWindowClosed(deps.editWindowMs / 1000);
    }
    // Reacting again with an emoji already mine still produces a record (the store ignores it): an
    // unreact of it may be on its way to the store, and skipping would lose the react after it.
    if (action.kind === 'react') {
      const present = await deps.messages.reactionEmoji(message.id);
      if (!present.includes(action.emoji) && present.length >= MAX_DISTINCT_REACTIONS) throw errors.tooManyReactions(MAX_DISTINCT_REACTIONS);
    }
  }

  /**
   * Reads who a change goes to and, unless this is a retry of one already accepted, checks it;
   * gives how to make its records once it has an id and a time.
   */
  async function prepare(actor: string, messageId: string, action: MessageAction, retry: boolean): Promise<(id: string, at: string) => Change> {
    const message = await deps.messages.forActor(messageId, actor);
    if (!message) throw errors.messageNotFound();
    const fields = {
      kind: action.kind,
      messageId,
      from: actor,
      ...(action.kind === 'edit' ? { text: action.text } : {}),
      ...(action.kind === 'react' || action.kind === 'unreact' ? { emoji: action.emoji } : {}),
    };
    if (message.groupId === undefined) {
      if (!retry) await check(actor, message, action);
      // 1:1: keyed by the other side, whose view changes; the store applies it to the one row
      // both read. Hiding changes only the actor's view.
      const to = action.kind === 'hide' ? actor : message.sender === actor ? message.recipient : message.sender;
      return (id, at) => ({ records: [{ v: 3, id, at, ...fields, to }], transaction: false });
    }
    // A group: only a current member holding a copy may act on it, and the change goes to those
    // who hold one (a member who joined later never got the message, nor gets its new text).
    const { groupName, holders } = await deps.messages.copyHolders(message.groupId, messageId);
    if (!holders.includes(actor)) throw errors.messageNotFound();
    if (!retry) await check(actor, message, action);
    const group = { id: message.groupId, name: groupName };
    // Hiding changes only the actor's view: one record, no transaction.
    const members = action.kind === 'hide' ? [actor] : [actor, ...holders.filter((h) => h !== actor)];
    return (id, at) => ({ records: members.map((to) => ({ v: 3, id, at, ...fields, to, group })), transaction: members.length > 1 });
  }

  async function produce(change: Change): Promise<ProduceResult> {
    const stop = deps.metrics.produceLatency.startTimer();
    try {
      const encoded = change.records.map((r) => ({ key: r.to, ...deps.codec.encode(r) }));
      let at: ProduceResult | undefined;
      if (change.transaction) at = (await deps.bus.produceAll(encoded))[0];
      else {
        const [one] = encoded;
        if (one) at = await deps.bus.produce(one.key, one.value, one.headers);
      }
      stop({ outcome: 'ok' });
      return at ?? { partition: 0, offset: -1 };
    } catch (error) {
      stop({ outcome: 'error' });
      if (error instanceof KafkaUnavailableError) throw errors.kafkaUnavailable(deps.retryAfterSeconds);
      throw error;
    }
  }

  return {
    /**
     * `actor` changes message `messageId`; resolves once Kafka holds every record of the change.
     * The same Idempotency-Key with the same request gives the same change id.
     */
    async act(actor: string, messageId: string, action: MessageAction, idempotencyKey: string | undefined): Promise<ChangeResponse> {
      // The routes' schemas refuse these already; this keeps the rules for any other caller.
      if (action.kind === 'edit') {
        const problem = messageTextProblem(action.text);
        if (problem) throw errors.validation(`The message text ${TEXT_PROBLEM_MESSAGES[problem]}.`);
      }
      if ((action.kind === 'react' || action.kind === 'unreact') && !isReactionEmoji(action.emoji)) {
        throw errors.validation('A reaction is exactly one emoji.');
      }
      if (!UUID.test(messageId)) throw errors.messageNotFound();
      const argument = action.kind === 'edit' ? action.text : action.kind === 'react' || action.kind === 'unreact' ? action.emoji : '';
      const hash = requestHash(['change', action.kind, messageId, argument]);
      const done = await idempotent.run(actor, idempotencyKey, hash, async (retry) => {
        const change = await prepare(actor, messageId, action, retry);
        return (id, at) => produce(change(id, at));
      });
      return { id: done.id, messageId, kind: action.kind satisfies ChangeKind, at: done.at };
    },
  };
}

export type MessageActionsService = ReturnType<typeof createMessageActionsService>;
