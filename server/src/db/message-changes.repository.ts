// Changes to messages (ChangeRecordV3: edit, delete, hide, react, unreact) in the history store:
// applied to the message they name in the transaction that stores their batch, exactly once per
// (change id, recipient), and recorded per recipient with their Kafka position so catch-up sends
// the undelivered ones and the inbox commit counts them (delivery/inbox.ts).
import { MAX_DISTINCT_REACTIONS, type ChangeKind } from '@messenger/protocol';
import type { ExpressionBuilder, Transaction } from 'kysely';
import { chunks } from './chunks.js';
import type { Db } from './database.js';
import { markDeliveredBelowIn } from './ack-statements.repository.js';
import { messageViews, type MessageRef, type MessageView } from './message-views.repository.js';
import { conversationKey, groupConversation, groupOf, type Database } from './schema.js';

/** A change record as the store pipeline hands it over. */
export interface StoredChange {
  id: string;
  kind: ChangeKind;
  messageId: string;
  from: string;
  to: string;
  at: string;
  text?: string | undefined;
  emoji?: string | undefined;
  group?: { id: string; name: string } | undefined;
  partition: number;
  offset: number;
}

/** A change this batch recorded for the first time. */
export interface NewChange {
  id: string;
  to: string;
  from: string;
  /** False: this store holds no message it could apply to, so there is nothing to deliver. */
  found: boolean;
}

/** An undelivered change as catch-up reads it. */
export interface PendingChange {
  id: string;
  kind: ChangeKind;
  messageId: string;
  by: string;
  at: string;
  /** The recipient's copy is a group message's: the message is read as that copy. */
  group: boolean;
  partition: number;
  offset: number;
}

const copyKey = (id: string, recipient: string) => `${id}\n${recipient}`;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The message row a change applies to, as the design fixes it: a group change to its member's
 * copy; a 1:1 change to the one row of the pair's conversation; a 1:1 hide (keyed by the actor) to
 * the row the actor sent or received.
 */
function target(c: StoredChange) {
  return (eb: ExpressionBuilder<Database, 'messages'>) => {
    if (c.group) {
      return eb.and([eb('id', '=', c.messageId), eb('recipient', '=', c.to), eb('conversation', '=', groupConversation(c.group.id))]);
    }
    if (c.kind === 'hide') {
      return eb.and([eb('id', '=', c.messageId), eb('conversation', 'not like', '#%'), eb.or([eb('sender', '=', c.from), eb('recipient', '=', c.from)])]);
    }
    return eb.and([eb('id', '=', c.messageId), eb('conversation', '=', conversationKey(c.from, c.to))]);
  };
}

/** Every stored copy of group message `id`, whoever it is addressed to. */
function everyCopy(id: string, group: string) {
  return (eb: ExpressionBuilder<Database, 'messages'>) => eb.and([eb('id', '=', id), eb('conversation', '=', groupConversation(group))]);
}

/** Applies one new change to its row; returns false when there is no such row. */
async function applyOne(trx: Transaction<Database>, c: StoredChange, shared: Set<string>): Promise<boolean> {
  const row = await trx.selectFrom('messages').select(['sender', 'deleted_at']).where(target(c)).executeTakeFirst();
  if (!row) return false;
  const deleted = row.deleted_at !== null;
  switch (c.kind) {
    case 'edit':
      if (deleted || row.sender !== c.from || c.text === undefined) break;
      // The newest edit wins whatever order two edits are stored in, as clients keep the newest
      // `change.at`; a replayed older edit therefore changes nothing either.
      await trx
        .updateTable('messages')
        .set({ text: c.text, edited_at: c.at })
        .where(target(c))
        .where('deleted_at', 'is', null)
        .where((eb) => eb.or([eb('edited_at', 'is', null), eb('edited_at', '<=', c.at)]))
        .execute();
      break;
    case 'delete':
      if (deleted || row.sender !== c.from) break;
      // A group message: every copy at once, not only this member's. The API keys the delete to
      // the members holding a copy now; one who left since gets no record, and kept the text
      // (re-added, they read it again). The other members' records then find theirs deleted.
      await trx
        .updateTable('messages')
        .set({ text: '', deleted_at: c.at })
        .where(c.group ? everyCopy(c.messageId, c.group.id) : target(c))
        .where('deleted_at', 'is', null)
        .execute();
      // Shared by a group message's copies (keyed by message id): removing twice is harmless.
      await trx.deleteFrom('message_reactions').where('message_id', '=', c.messageId).execute();
      await emptyQuotes(trx, [c.messageId]);
      break;
    case 'hide':
      await trx
        .insertInto('hidden_messages')
        .values({ username: c.from, message_id: c.messageId, hidden_at: c.at })
        .onConflict((oc) => oc.columns(['username', 'message_id']).doNothing())
        .execute();
      // Catch-up leaves hidden messages out, so a copy of the hider's own that no screen had
      // acknowledged would stay undelivered for good and hold their inbox commit at its offset.
      await trx
        .updateTable('messages')
        .set({ delivered_at: c.at })
        .where(target(c))
        .where('recipient', '=', c.from)
        .where('delivered_at', 'is', null)
        .execute();
      break;
    case 'react':
    case 'unreact': {
      // Reactions are stored once per message id, but a group change comes as one record per
      // member, each stored in its member's partition, in any order across partitions: applied
      // per copy, a late copy of a reaction would bring back one already taken back. So a
      // reaction change applies once per change id, with its first copy stored.
      if (shared.has(c.id) || c.emoji === undefined) break;
      shared.add(c.id);
      if (c.kind === 'unreact') {
        await trx.deleteFrom('message_reactions').where('message_id', '=', c.messageId).where('username', '=', c.from).where('emoji', '=', c.emoji).execute();
        break;
      }
      if (deleted) break;
      const emoji = c.emoji;
      // The API refuses a reaction past MAX_DISTINCT_REACTIONS; two racing past its check are
      // held here, so a message never carries more than the contract allows.
      await trx
        .insertInto('message_reactions')
        .columns(['message_id', 'username', 'emoji', 'reacted_at'])
        .expression(
          trx
            .selectNoFrom((eb) => [eb.val(c.messageId).as('message_id'), eb.val(c.from).as('username'), eb.val(emoji).as('emoji'), eb.val(c.at).as('reacted_at')])
            .where((eb) =>
              eb.or([
                eb.exists(eb.selectFrom('message_reactions').select('emoji').where('message_id', '=', c.messageId).where('emoji', '=', emoji)),
                eb(eb.selectFrom('message_reactions').select((s) => s.fn.count<number>('emoji').distinct().as('n')).where('message_id', '=', c.messageId), '<', MAX_DISTINCT_REACTIONS),
              ]),
            ),
        )
        .onConflict((oc) => oc.columns(['message_id', 'username', 'emoji']).doNothing())
        .execute();
      break;
    }
  }
  return true;
}

/** Replies quote their original as it stood; once it is deleted, the quote's text goes too. */
export async function emptyQuotes(trx: Transaction<Database>, originals: readonly string[]): Promise<void> {
  for (const chunk of chunks([...new Set(originals)])) {
    await trx.updateTable('messages').set({ reply_to_text: '' }).where('reply_to_id', 'in', chunk).where('reply_to_text', '<>', '').execute();
  }
}

/**
 * Copies of group messages stored after the message was deleted (their member's partition lagged
 * behind the delete's): stored deleted too, as the delete left every other copy.
 */
export async function deleteLateCopies(trx: Transaction<Database>, ids: readonly string[]): Promise<void> {
  for (const chunk of chunks([...new Set(ids)])) {
    const gone = await trx.selectFrom('messages').select(['id', 'conversation', 'deleted_at']).where('id', 'in', chunk).where('deleted_at', 'is not', null).execute();
    for (const g of new Map(gone.map((r) => [r.id, r])).values()) {
      await trx.updateTable('messages').set({ text: '', deleted_at: g.deleted_at }).where('id', '=', g.id).where('conversation', '=', g.conversation).where('deleted_at', 'is', null).execute();
    }
  }
}

/**
 * Replies stored after their original was deleted (the API checked before the delete was
 * stored) quote nothing either.
 */
export async function emptyQuotesOfDeleted(trx: Transaction<Database>, originals: readonly string[]): Promise<void> {
  for (const chunk of chunks([...new Set(originals)])) {
    const gone = await trx.selectFrom('messages').select('id').distinct().where('id', 'in', chunk).where('deleted_at', 'is not', null).execute();
    if (gone.length > 0) await emptyQuotes(trx, gone.map((r) => r.id));
  }
}

/**
 * Records the batch's changes and applies those recorded for the first time, inside the batch's
 * transaction. A record repeated (a producer retry, a replay of the history group after a
 * rebalance) finds its (id, recipient) row and changes nothing. A change whose message is not in
 * the store is recorded and applies to nothing: it never fails the batch, so it cannot stall
 * the partition.
 */
export async function storeChanges(trx: Transaction<Database>, changes: readonly StoredChange[]): Promise<NewChange[]> {
  if (changes.length === 0) return [];
  const unique = new Map<string, StoredChange>();
  for (const c of changes) if (!unique.has(copyKey(c.id, c.to))) unique.set(copyKey(c.id, c.to), c);
  const all = [...unique.values()];
  // Reaction changes some copy of which was stored by an earlier batch: applied then already.
  const shared = new Set<string>();
  const reactionIds = [...new Set(all.filter((c) => c.kind === 'react' || c.kind === 'unreact').map((c) => c.id))];
  for (const chunk of chunks(reactionIds)) {
    for (const row of await trx.selectFrom('message_changes').select('id').distinct().where('id', 'in', chunk).execute()) shared.add(row.id);
  }
  const inserted = new Set<string>();
  for (const chunk of chunks(all)) {
    const rows = await trx
      .insertInto('message_changes')
      .values(
        chunk.map((c) => ({
          id: c.id,
          recipient: c.to,
          message_id: c.messageId,
          kind: c.kind,
          actor: c.from,
          changed_at: c.at,
          kafka_partition: c.partition,
          kafka_offset: c.offset,
          delivered_at: null,
        })),
      )
      .onConflict((oc) => oc.columns(['id', 'recipient']).doNothing())
      .returning(['id', 'recipient'])
      .execute();
    for (const r of rows) inserted.add(copyKey(r.id, r.recipient));
  }
  // In (message, recipient) order, so two stores on Postgres lock message rows in one order; a
  // message's changes to one recipient share a partition and keep their offset order.
  const fresh = all
    .filter((c) => inserted.has(copyKey(c.id, c.to)))
    .sort((a, b) => cmp(a.messageId, b.messageId) || cmp(a.to, b.to) || a.partition - b.partition || a.offset - b.offset);
  const out: NewChange[] = [];
  for (const c of fresh) out.push({ id: c.id, to: c.to, from: c.from, found: await applyOne(trx, c, shared) });
  return out;
}

export function createMessageChangesRepository(db: Db) {
  return {
    /** The messages as `viewer` sees them now (message-views.repository.ts), for message:update. */
    views: (viewer: string, refs: readonly MessageRef[]): Promise<Map<string, MessageView>> => messageViews(db, viewer, refs),

    /**
     * `recipient`'s changes no client of theirs acknowledged, in (partition, offset) order, with
     * whether their copy of the message is a group's (the message is read as that copy).
     */
    async undelivered(recipient: string, limit: number): Promise<PendingChange[]> {
      const rows = await db
        .selectFrom('message_changes as c')
        .leftJoin('messages as m', (j) => j.onRef('m.id', '=', 'c.message_id').onRef('m.recipient', '=', 'c.recipient'))
        .select(['c.id', 'c.kind', 'c.message_id', 'c.actor', 'c.changed_at', 'c.kafka_partition', 'c.kafka_offset', 'm.conversation'])
        .where('c.recipient', '=', recipient)
        .where('c.delivered_at', 'is', null)
        .orderBy('c.kafka_partition')
        .orderBy('c.kafka_offset')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        kind: r.kind as ChangeKind,
        messageId: r.message_id,
        by: r.actor,
        at: r.changed_at,
        group: r.conversation !== null && groupOf(r.conversation) !== undefined,
        partition: r.kafka_partition,
        offset: Number(r.kafka_offset),
      }));
    },

    /** Trusts the recipient's Kafka group: every change below its committed offset was delivered. */
    markDeliveredBelow(recipient: string, partition: number, offset: number, now: string): Promise<number> {
      return markDeliveredBelowIn(db, 'message_changes', { recipient, partition, offset, now });
    },
  };
}

export type MessageChangesRepository = ReturnType<typeof createMessageChangesRepository>;
