// The history store: every message materialized from Kafka, with per-message delivery and read
// marks and a per-user conversation index (last message, unread count).
import type { ChatMessage } from '@messenger/protocol';
import { sql, type Transaction } from 'kysely';
import { chunks } from './chunks.js';
import type { Db } from './database.js';
import { transact } from './transaction.js';
import type { Database } from './schema.js';
import { ackStatements, markDeliveredBelowIn, type Delivered, type DeliveredChange } from './ack-statements.repository.js';
import { precompiled, slot } from './precompiled.js';
import { storedPositionsWriter } from './stored-positions.repository.js';
import { deleteLateCopies, emptyQuotesOfDeleted, storeChanges, type NewChange, type StoredChange } from './message-changes.repository.js';
import { conversationKey, groupConversation } from './schema.js';
import { lastMessagesAsSeen, MESSAGE_COLUMNS, notHiddenBy, withReactions } from './message-views.repository.js';

export interface StoredRecord {
  id: string;
  from: string;
  to: string;
  text: string;
  sentAt: string;
  partition: number;
  offset: number;
  /** Set on a member's copy of a group message. */
  group?: { id: string; name: string };
  /** On a reply: the quote of the message it answers (ChatRecordV1.replyTo). */
  replyTo?: { id: string; from: string; text: string } | undefined;
}

// Rows go in slices of STATEMENT_CHUNK (500): SQLite allows 32,766 bound variables per
// statement, Postgres 65,535, and 13 columns × 500 rows stays far below both.

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A copy's identity: a group message has one row per member, under one id. */
const copyKey = (id: string, recipient: string) => `${id}\n${recipient}`;

/**
 * A message still to be delivered, with where Kafka put it: catch-up compares that with the
 * recipient's inbox group (delivery/inbox.ts) and sends only `message`, so the position never
 * reaches a client.
 */
export interface PendingMessage {
  message: ChatMessage;
  partition: number;
  offset: number;
}

export interface AckRequest {
  recipient: string;
  ids: string[];
  /**
   * Acknowledged ids known to be changes to messages (`message:update`'s change.id), kept apart
   * so a round without any runs no statement for them.
   */
  changeIds?: string[] | undefined;
}

export interface AckOutcome {
  /** the messages this request moved to delivered (repeats from other screens are not here) */
  changed: { id: string; sender: string; conversation: string; kafka_partition: number; kafka_offset: number }[];
  /** the changes to messages (their `change.id`s) this request moved to delivered; absent: none */
  changes?: { id: string; kafka_partition: number; kafka_offset: number }[];
  /**
   * For each partition where the round moved any of the recipient's messages to delivered: the
   * lowest offset of theirs still undelivered once the whole round is applied (null: none).
   */
  lowestUndelivered: ReadonlyMap<number, number | null>;
}

function hasUndeliveredWith(q: Db | Transaction<Database>, recipient: string) {
  return q
    .selectFrom('messages')
    .select('seq')
    .where('recipient', '=', recipient)
    .where('delivered_at', 'is', null)
    .limit(1)
    .executeTakeFirst()
    .then((row) => row !== undefined);
}

/** Where a stored batch came from: the store's positions move with its rows, in one transaction. */
export interface StoredThrough {
  topic: string;
  /** per partition, the offset after the batch's last record (stored or dead-lettered) */
  positions: ReadonlyMap<number, number>;
}

/** Where a message sits in its conversation's order: every view pages by (sent_at, id). */
export interface Position {
  sent_at: string;
  id: string;
}

/** Where message `id` sits in a conversation (in a member's copies only, with `recipient`). */
export function positionOf(db: Db, where: { conversation: string; recipient?: string }, id: string): Promise<Position | undefined> {
  let query = db.selectFrom('messages').select(['sent_at', 'id']).where('conversation', '=', where.conversation).where('id', '=', id);
  if (where.recipient !== undefined) query = query.where('recipient', '=', where.recipient);
  return query.executeTakeFirst();
}

/** One conversation as one person reads it: a group member's own copies with `recipient`. */
export interface ConversationRef {
  conversation: string;
  /** Whose view: what they hid is left out. */
  viewer: string;
  recipient?: string;
}

/**
 * One page of a conversation as `where.viewer` sees it, newest first, older than `at` when
 * given; `nextBefore` names the oldest on the page when there are more.
 */
export async function pageOf(db: Db, where: ConversationRef, at: Position | undefined, limit: number) {
  let query = db
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('conversation', '=', where.conversation)
    .where(notHiddenBy(where.viewer))
    .orderBy('sent_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit + 1);
  if (where.recipient !== undefined) query = query.where('recipient', '=', where.recipient);
  if (at) query = query.where((eb) => eb.or([eb('sent_at', '<', at.sent_at), eb.and([eb('sent_at', '=', at.sent_at), eb('id', '<', at.id)])]));
  const rows = await query.execute();
  const more = rows.length > limit;
  const messages = await withReactions(db, rows.slice(0, limit));
  return { messages, nextBefore: more ? (messages.at(-1)?.id ?? null) : null };
}

export function createMessagesRepository(db: Db, options: { dialect: 'sqlite' | 'postgres' }) {
  // Only Postgres has other processes to tell (LISTEN/NOTIFY); SQLite's readers poll the table.
  const announce = options.dialect === 'postgres';
  const writeStoredPositions = storedPositionsWriter(db);
  const acks = ackStatements(db);
  /** `owner`'s 1:1 conversations with their last message. */
  const conversationRows = (owner: string) =>
    db
      .selectFrom('conversations as c')
      .innerJoin('messages as m', 'm.id', 'c.last_message_id')
      .select(['c.peer', 'c.unread', ...MESSAGE_COLUMNS.map((col) => `m.${col}` as const)])
      .where('c.owner', '=', owner)
      // Groups are listed by GET /api/groups; a 1:1 message has one row, so the id alone joins.
      .where('c.peer', 'not like', '#%');
  // A history round's two statements, compiled once per row count (precompiled.ts).
  const insertMessages = precompiled((rows: number) =>
    db
      .insertInto('messages')
      .values(
        Array.from({ length: rows }, (_, i) => {
          const k = i * 13;
          return {
            id: slot(k),
            sender: slot(k + 1),
            recipient: slot(k + 2),
            conversation: slot(k + 3),
            text: slot(k + 4),
            sent_at: slot(k + 5),
            kafka_partition: slot<number>(k + 6),
            kafka_offset: slot<number>(k + 7),
            read_at: slot<string | null>(k + 8),
            group_name: slot<string | null>(k + 9),
            reply_to_id: slot<string | null>(k + 10),
            reply_to_sender: slot<string | null>(k + 11),
            reply_to_text: slot<string | null>(k + 12),
          };
        }),
      )
      .onConflict((oc) => oc.columns(['id', 'recipient']).doNothing())
      .returning(['id', 'recipient'])
      .compile(),
  );
  const upsertConversations = precompiled((rows: number) =>
    db
      .insertInto('conversations')
      .values(
        Array.from({ length: rows }, (_, i) => ({
          owner: slot(5 * i),
          peer: slot(5 * i + 1),
          last_message_id: slot(5 * i + 2),
          last_sent_at: slot(5 * i + 3),
          unread: slot<number>(5 * i + 4),
        })),
      )
      .onConflict((oc) =>
        oc.columns(['owner', 'peer']).doUpdateSet({
          last_message_id: sql`CASE WHEN excluded.last_sent_at >= conversations.last_sent_at THEN excluded.last_message_id ELSE conversations.last_message_id END`,
          // CASE rather than MAX()/GREATEST(): SQLite has only the one, Postgres the other.
          last_sent_at: sql`CASE WHEN excluded.last_sent_at >= conversations.last_sent_at THEN excluded.last_sent_at ELSE conversations.last_sent_at END`,
          unread: sql`conversations.unread + excluded.unread`,
        }),
      )
      .compile(),
  );
  const repository = {
    /** storeBatch without changes: the ids that were new. */
    insertBatch: async (records: StoredRecord[], through?: StoredThrough): Promise<Set<string>> => (await repository.storeBatch(records, through)).inserted,

    /**
     * Stores records that are not stored yet and updates both sides' conversation rows, and with
     * `through` moves the store's positions in the same transaction. Then applies the batch's
     * changes to messages (message-changes.repository.ts), in that transaction too, after its
     * messages. Returns the ids that were new and the changes recorded for the first time.
     * Idempotent: replays after a crash insert nothing twice and apply no change twice.
     */
    async storeBatch(records: StoredRecord[], through?: StoredThrough, changes: readonly StoredChange[] = []): Promise<{ inserted: Set<string>; changes: NewChange[] }> {
      // copies newly stored (copyKey); a 1:1 message has one copy
      const inserted = new Set<string>();
      let applied: NewChange[] = [];
      if (records.length === 0 && changes.length === 0 && (!through || through.positions.size === 0)) return { inserted, changes: applied };
      await transact(db, async (trx) => {
        inserted.clear(); // a rerun after a deadlock starts from nothing
        if (through) await writeStoredPositions(trx, { ...through, announce });
        for (const chunk of chunks(records)) {
          const values: unknown[] = [];
          for (const r of chunk) {
            // The sender's own copy of a group message is read already. Its delivery goes
            // through an acknowledgement like any other (store-pipeline.ts), so that their
            // inbox group's commit moves past it.
            const own = r.group !== undefined && r.to === r.from ? r.sentAt : null;
            const conversation = r.group ? groupConversation(r.group.id) : conversationKey(r.from, r.to);
            const q = r.replyTo;
            values.push(r.id, r.from, r.to, conversation, r.text, r.sentAt, r.partition, r.offset, own, r.group?.name ?? null, q?.id ?? null, q?.from ?? null, q?.text ?? null);
          }
          const { rows } = await trx.executeQuery(insertMessages<{ id: string; recipient: string }>(chunk.length, values));
          for (const row of rows) inserted.add(copyKey(row.id, row.recipient));
        }
        // Aggregate per (owner, peer) first: one upsert per conversation side, portable to
        // databases that refuse to touch a row twice in one statement.
        const sides = new Map<string, { owner: string; peer: string; last: StoredRecord; unread: number }>();
        // A record can repeat inside one batch (a producer retry wrote it twice): count it once.
        const counted = new Set<string>();
        for (const r of records) {
          const key = copyKey(r.id, r.to);
          if (!inserted.has(key) || counted.has(key)) continue;
          counted.add(key);
          // A group copy touches its member's side only: the group is the peer.
          const touched: (readonly [string, string, number])[] = r.group
            ? [[r.to, groupConversation(r.group.id), r.to === r.from ? 0 : 1]]
            : [
                [r.from, r.to, 0],
                [r.to, r.from, 1],
              ];
          for (const [owner, peer, unread] of touched) {
            const key = `${owner}|${peer}`;
            const side = sides.get(key);
            if (!side) sides.set(key, { owner, peer, last: r, unread });
            else {
              side.unread += unread;
              if (r.sentAt >= side.last.sentAt) side.last = r;
            }
          }
        }
        // In key order: two stores writing overlapping conversations (several instances, on
        // Postgres) then lock the rows in one order and cannot deadlock.
        const ordered = [...sides.values()].sort((a, b) => (a.owner === b.owner ? cmp(a.peer, b.peer) : cmp(a.owner, b.owner)));
        for (const chunk of chunks(ordered)) {
          await trx.executeQuery(upsertConversations(chunk.length, chunk.flatMap((c) => [c.owner, c.peer, c.last.id, c.last.sentAt, c.unread])));
        }
        const groupCopies = records.filter((r) => r.group !== undefined && inserted.has(copyKey(r.id, r.to))).map((r) => r.id);
        if (groupCopies.length > 0) await deleteLateCopies(trx, groupCopies);
        const quoted = records.flatMap((r) => (r.replyTo && r.replyTo.text !== '' ? [r.replyTo.id] : []));
        if (quoted.length > 0) await emptyQuotesOfDeleted(trx, quoted);
        applied = await storeChanges(trx, changes);
      });
      return { inserted: new Set([...inserted].map((key) => key.slice(0, key.indexOf('\n')))), changes: applied };
    },

    /**
     * Everything addressed to `recipient` that no client of theirs has acknowledged, in order,
     * as they see it now: a message deleted before it was delivered goes out as deleted (clients
     * acknowledge it like any other, and show where it was); one they hid goes out never, since
     * their screens must not show it (applying the hide marks their copy delivered).
     */
    async undelivered(recipient: string, limit: number): Promise<PendingMessage[]> {
      const rows = await db
        .selectFrom('messages')
        .select([...MESSAGE_COLUMNS, 'kafka_partition', 'kafka_offset'])
        .where('recipient', '=', recipient)
        .where('delivered_at', 'is', null)
        .where(notHiddenBy(recipient))
        .orderBy('kafka_partition')
        .orderBy('kafka_offset')
        .limit(limit)
        .execute();
      const messages = await withReactions(db, rows);
      return rows.map((row, i) => ({ message: messages[i]!, partition: row.kafka_partition, offset: row.kafka_offset }));
    },

    /** All messages no client of their recipient acknowledged yet (the inbox groups' backlog). */
    async countAllUndelivered(): Promise<number> {
      const row = await db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('delivered_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Whether any message to `recipient` is still undelivered (stops at the first one found). */
    hasUndelivered: (recipient: string): Promise<boolean> => hasUndeliveredWith(db, recipient),

    /**
     * Many acknowledgements (from any number of sockets) in one transaction: one commit
     * instead of one per acknowledgement. Outcomes are in request order.
     */
    async markDeliveredMany(requests: AckRequest[], now: string): Promise<AckOutcome[]> {
      const pairs = new Map<string, readonly [string, string]>();
      for (const r of requests) for (const id of r.ids) pairs.set(copyKey(id, r.recipient), [r.recipient, id]);
      const changePairs = new Map<string, readonly [string, string]>();
      for (const r of requests) for (const id of r.changeIds ?? []) changePairs.set(copyKey(id, r.recipient), [r.recipient, id]);
      if (pairs.size === 0 && changePairs.size === 0) return requests.map(() => ({ changed: [], lowestUndelivered: new Map() }));
      // Two statements per round, however many requests it holds: at 1,000 msg/s a round carried
      // ~16 acknowledgements, and an UPDATE plus a lookup for each were a third of the store's
      // statements. A third only when the round acknowledges changes to messages.
      return transact(db, async (trx) => {
        const moved = new Map<string, Delivered>();
        if (pairs.size > 0) for (const row of await acks.markDelivered(trx, [...pairs.values()], now)) moved.set(copyKey(row.id, row.recipient), row);
        const movedChanges = new Map<string, DeliveredChange>();
        if (changePairs.size > 0) {
          for (const row of await acks.markChangesDelivered(trx, [...changePairs.values()], now)) movedChanges.set(copyKey(row.id, row.recipient), row);
        }
        // Each copy goes to the first request naming it, as if the round ran one by one: a
        // repeat from the recipient's other screen moved nothing.
        const changed = requests.map((r) => {
          const mine: AckOutcome['changed'] = [];
          for (const id of r.ids) {
            const row = moved.get(copyKey(id, r.recipient));
            if (!row) continue;
            moved.delete(copyKey(id, r.recipient));
            mine.push({ id: row.id, sender: row.sender, conversation: row.conversation, kafka_partition: row.kafka_partition, kafka_offset: row.kafka_offset });
          }
          return mine;
        });
        const changes = requests.map((r) => {
          const mine: NonNullable<AckOutcome['changes']> = [];
          if (movedChanges.size === 0) return mine;
          for (const id of r.changeIds ?? []) {
            const row = movedChanges.get(copyKey(id, r.recipient));
            if (!row) continue;
            movedChanges.delete(copyKey(id, r.recipient));
            mine.push({ id: row.id, kafka_partition: row.kafka_partition, kafka_offset: Number(row.kafka_offset) });
          }
          return mine;
        });
        // Asked after the round's update, inside its transaction: one answer per recipient and
        // partition, whichever of their screens acknowledged what.
        const touched = new Map<string, readonly [string, number]>();
        for (const [i, r] of requests.entries()) {
          for (const row of [...(changed[i] ?? []), ...(changes[i] ?? [])]) touched.set(`${r.recipient}\n${row.kafka_partition}`, [r.recipient, row.kafka_partition]);
        }
        const lowest = touched.size > 0 ? await acks.lowestUndelivered(trx, [...touched.values()]) : new Map<string, Map<number, number | null>>();
        return requests.map((r, i) => {
          const outcome: AckOutcome = { changed: changed[i] ?? [], lowestUndelivered: lowest.get(r.recipient) ?? new Map() };
          if ((changes[i]?.length ?? 0) > 0) outcome.changes = changes[i];
          return outcome;
        });
      });
    },

    /** Trusts the recipient's Kafka group: everything below its committed offset was delivered. */
    markDeliveredBelow(recipient: string, partition: number, offset: number, now: string): Promise<number> {
      return markDeliveredBelowIn(db, 'messages', { recipient, partition, offset, now });
    },

    /** Marks the peer's messages to `reader` read up to and including `upTo`. */
    async markRead(reader: string, peer: string, upTo: string, now: string) {
      const conversation = conversationKey(reader, peer);
      const at = await positionOf(db, { conversation }, upTo);
      if (!at) return undefined;
      return transact(db, async (trx) => {
        // Lock the conversation row first (a no-op write; SQLite has no FOR UPDATE and needs
        // none, running one transaction at a time). On Postgres a history batch storing a new
        // message holds this row until it commits, and the count below, a fresh snapshot, then
        // includes that message instead of overwriting its +1 (test/database.test.ts).
        await trx
          .updateTable('conversations')
          .set({ unread: sql`unread` })
          .where('owner', '=', reader)
          .where('peer', '=', peer)
          .execute();
        const changed = await trx
          .updateTable('messages')
          .set({ read_at: now, delivered_at: sql`COALESCE(delivered_at, ${now})` })
          // By conversation, not by sender: the peer's copies of group messages to the reader
          // have the same sender and recipient, and belong to the group's count, not this one.
          .where('recipient', '=', reader)
          .where('conversation', '=', conversation)
          .where('read_at', 'is', null)
          .where((eb) => eb.or([eb('sent_at', '<', at.sent_at), eb.and([eb('sent_at', '=', at.sent_at), eb('id', '<=', at.id)])]))
          .returning('id')
          .execute();
        const left = await trx
          .selectFrom('messages')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('recipient', '=', reader)
          .where('conversation', '=', conversation)
          .where('read_at', 'is', null)
          // What they hid is not shown, so not counted either.
          .where(notHiddenBy(reader))
          .executeTakeFirstOrThrow();
        await trx
          .updateTable('conversations')
          .set({ unread: Number(left.n) })
          .where('owner', '=', reader)
          .where('peer', '=', peer)
          .execute();
        return changed.map((r) => r.id);
      });
    },

    /** One page of a conversation, newest first, older than `before` when given. */
    async page(me: string, peer: string, before: string | undefined, limit: number) {
      const conversation = conversationKey(me, peer);
      const at = before ? await positionOf(db, { conversation }, before) : undefined;
      if (before && !at) return undefined;
      return pageOf(db, { conversation, viewer: me }, at, limit);
    },

    async conversations(owner: string, limit: number) {
      const rows = await conversationRows(owner).orderBy('c.last_sent_at', 'desc').limit(limit).execute();
      const last = await lastMessagesAsSeen(db, rows.map((row) => ({ viewer: owner, row })));
      return rows.map((r, i) => ({ peer: r.peer, unread: r.unread, lastMessage: last[i] ?? null }));
    },

    /** `owner`'s conversations with those of `peers` they have one with, in no set order. */
    async conversationsWith(owner: string, peers: readonly string[]) {
      const out: { peer: string; unread: number; lastMessage: ChatMessage | null }[] = [];
      for (const chunk of chunks([...new Set(peers)])) {
        const rows = await conversationRows(owner).where('c.peer', 'in', chunk).execute();
        const last = await lastMessagesAsSeen(db, rows.map((row) => ({ viewer: owner, row })));
        for (const [i, r] of rows.entries()) out.push({ peer: r.peer, unread: r.unread, lastMessage: last[i] ?? null });
      }
      return out;
    },

    /** The people `username` has a conversation with: who hears about their presence. */
    /**
     * Those of `candidates` who share a conversation with `username` (conversations are
     * symmetric: a message creates both sides). One primary-key lookup per candidate.
     */
    async peersAmong(username: string, candidates: readonly string[]): Promise<Set<string>> {
      if (candidates.length === 0) return new Set();
      const rows = await db
        .selectFrom('conversations')
        .select('peer')
        .where('owner', '=', username)
        .where('peer', 'in', [...new Set(candidates)])
        .where('peer', 'not like', '#%')
        .execute();
      return new Set(rows.map((r) => r.peer));
    },

    async peersOf(username: string): Promise<string[]> {
      const rows = await db.selectFrom('conversations').select('peer').where('owner', '=', username).where('peer', 'not like', '#%').execute();
      return rows.map((r) => r.peer);
    },
  };
  return repository;
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;
