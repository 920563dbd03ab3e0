// What a stored message looks like to one person (issue 18's message actions included): the row
// mapped to the contract's ChatMessage, the reactions on it, and whether that person hid it.
// Every view (history pages, lists, search, catch-up, live updates) builds its messages here, so
// an edit, a delete or a hide reads the same everywhere.
import { MAX_DISTINCT_REACTIONS, type ChatMessage, type ReactionSummary, type ReceiptState } from '@messenger/protocol';
import { sql, type RawBuilder } from 'kysely';
import { chunks } from './chunks.js';
import type { Db } from './database.js';
import { groupOf, type MessagesTable } from './schema.js';

export const MESSAGE_COLUMNS = [
  'id',
  'sender',
  'recipient',
  'conversation',
  'text',
  'sent_at',
  'delivered_at',
  'read_at',
  'group_name',
  'edited_at',
  'deleted_at',
  'reply_to_id',
  'reply_to_sender',
  'reply_to_text',
] as const;

// What a client is shown of a stored message; the Kafka position is selected only where the
// server needs it (undelivered()).
export type MessageRow = Pick<MessagesTable, (typeof MESSAGE_COLUMNS)[number]>;

export function stateOf(row: Pick<MessagesTable, 'delivered_at' | 'read_at'>): ReceiptState {
  if (row.read_at) return 'read';
  if (row.delivered_at) return 'delivered';
  return 'sent';
}

/**
 * The message as clients see it: a fresh object with the contract's keys and nothing else.
 *
 * A message deleted for everyone keeps its place and its receipt state, and loses everything it
 * said: text '', no edit time, no quote, no reactions (the store drops those when it applies the
 * delete; this holds even for a row whose reactions arrived after it). A reply whose original
 * was deleted shows its quote as `deleted` with text '': the store empties reply_to_text then,
 * and a quote of a message that exists is never '' (MessageText has at least one character).
 */
export function toChatMessage(row: MessageRow, reactions?: readonly ReactionSummary[]): ChatMessage {
  const deleted = row.deleted_at !== null;
  const message: ChatMessage = {
    id: row.id,
    from: row.sender,
    to: row.recipient,
    text: deleted ? '' : row.text,
    sentAt: row.sent_at,
    state: stateOf(row),
  };
  const group = groupOf(row.conversation);
  if (group !== undefined) message.group = { id: group, name: row.group_name ?? '' };
  if (deleted) {
    message.deleted = true;
    return message;
  }
  if (row.reply_to_id !== null && row.reply_to_sender !== null) {
    const quote = row.reply_to_text ?? '';
    message.replyTo = { id: row.reply_to_id, from: row.reply_to_sender, text: quote };
    if (quote === '') message.replyTo.deleted = true;
  }
  if (row.edited_at !== null) message.editedAt = row.edited_at;
  if (reactions !== undefined && reactions.length > 0) message.reactions = [...reactions];
  return message;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The reactions on each of `ids`, one statement per 500 ids whatever the page holds: per message,
 * each emoji in the order it was first used, with its users in the order they reacted. Ties
 * (the same millisecond) go by username, then emoji, in code-unit order, so that both stores
 * answer alike. A group message's copies share its id, and so its reactions.
 *
 * At most MAX_DISTINCT_REACTIONS emoji per message: the routes refuse one more, but two people
 * adding different emoji at once can both pass that check, and a view must still fit the contract.
 */
export async function reactionsOf(db: Db, ids: readonly string[]): Promise<Map<string, ReactionSummary[]>> {
  const out = new Map<string, ReactionSummary[]>();
  if (ids.length === 0) return out;
  const rows: { message_id: string; username: string; emoji: string; reacted_at: string }[] = [];
  for (const chunk of chunks([...new Set(ids)])) {
    rows.push(...(await db.selectFrom('message_reactions').select(['message_id', 'username', 'emoji', 'reacted_at']).where('message_id', 'in', chunk).execute()));
  }
  rows.sort((a, b) => cmp(a.reacted_at, b.reacted_at) || cmp(a.username, b.username) || cmp(a.emoji, b.emoji));
  for (const r of rows) {
    let summaries = out.get(r.message_id);
    if (!summaries) out.set(r.message_id, (summaries = []));
    const same = summaries.find((s) => s.emoji === r.emoji);
    if (same) same.users.push(r.username);
    else if (summaries.length < MAX_DISTINCT_REACTIONS) summaries.push({ emoji: r.emoji, users: [r.username] });
  }
  return out;
}

/**
 * The message in `messages` (or its alias) is not one `viewer` hid: every view of theirs has
 * this. One primary-key lookup per row (hidden_messages is keyed by username, message_id).
 */
export function notHiddenBy(viewer: string, table = 'messages'): RawBuilder<boolean> {
  return sql<boolean>`NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.username = ${viewer} AND h.message_id = ${sql.ref(`${table}.id`)})`;
}

/** Those of `ids` that `viewer` deleted for themselves (hid). */
export async function hiddenAmong(db: Db, viewer: string, ids: readonly string[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const chunk of chunks([...new Set(ids)])) {
    const rows = await db.selectFrom('hidden_messages').select('message_id').where('username', '=', viewer).where('message_id', 'in', chunk).execute();
    for (const r of rows) out.add(r.message_id);
  }
  return out;
}

/** Rows of one page as messages, with their reactions read in one statement for the page. */
export async function withReactions(db: Db, rows: readonly MessageRow[]): Promise<ChatMessage[]> {
  const reactions = await reactionsOf(
    db,
    rows.filter((r) => r.deleted_at === null).map((r) => r.id),
  );
  return rows.map((r) => toChatMessage(r, reactions.get(r.id)));
}

/** A message as one person sees it now; `hidden`: they deleted it for themselves. */
export interface MessageView {
  message: ChatMessage;
  hidden?: true;
}

/** Which message to look up; `recipient` narrows to that copy (a group member's). */
export interface MessageRef {
  id: string;
  recipient?: string;
}

/**
 * Each of `refs` as `viewer` sees it now, by message id: text (edited, or '' once deleted),
 * quote, receipt state, group and reactions, and `hidden` when the viewer hid it. For the live
 * `message:update` pushes and catch-up (`{ change, ...view }` is the payload).
 *
 * Only what is the viewer's to see: a 1:1 message they sent or received, or their own copy of a
 * group message (so a group ref's `recipient`, if given, must be the viewer). A ref that names
 * nothing of theirs is absent from the map. Three statements per 500 refs.
 */
export async function messageViews(db: Db, viewer: string, refs: readonly MessageRef[]): Promise<Map<string, MessageView>> {
  const out = new Map<string, MessageView>();
  if (refs.length === 0) return out;
  const wanted = new Map(refs.map((r) => [r.id, r.recipient]));
  const rows: MessageRow[] = [];
  for (const chunk of chunks([...wanted.keys()])) {
    const found = await db
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
      .where('id', 'in', chunk)
      // A group message has one row per member under one id: the viewer's is the one addressed
      // to them (their own copy too, as its sender). A 1:1 message has one row, either side's.
      .where((eb) => eb.or([eb('recipient', '=', viewer), eb.and([eb('sender', '=', viewer), eb('conversation', 'not like', '#%')])]))
      .execute();
    rows.push(...found.filter((r) => (wanted.get(r.id) ?? r.recipient) === r.recipient));
  }
  const [messages, hidden] = await Promise.all([
    withReactions(db, rows),
    hiddenAmong(
      db,
      viewer,
      rows.map((r) => r.id),
    ),
  ]);
  for (const message of messages) out.set(message.id, hidden.has(message.id) ? { message, hidden: true } : { message });
  return out;
}

/** A list's last message (a conversation's, a group's) and whose list it is. */
export interface LastRef {
  viewer: string;
  row: MessageRow;
}

/**
 * The last message of each list entry as its viewer sees it, in order. The conversation index
 * names the newest message whoever hid it (hiding is rare, and per person, while the index row
 * is written by every message); one the viewer hid gives way here to the newest one they did
 * not hide, and null when they hid them all. One statement for the hides and one for the
 * reactions per 250 entries, plus one per entry whose last message was hidden.
 */
export async function lastMessagesAsSeen(db: Db, lasts: readonly LastRef[]): Promise<(ChatMessage | null)[]> {
  const hidden = new Set<string>();
  for (const chunk of chunks(lasts, 250)) {
    const rows = await db
      .selectFrom('hidden_messages')
      .select(['username', 'message_id'])
      .where('message_id', 'in', [...new Set(chunk.map((l) => l.row.id))])
      .where('username', 'in', [...new Set(chunk.map((l) => l.viewer))])
      .execute();
    for (const r of rows) hidden.add(`${r.username}\n${r.message_id}`);
  }
  const rows: (MessageRow | null)[] = [];
  for (const { viewer, row } of lasts) {
    if (!hidden.has(`${viewer}\n${row.id}`)) {
      rows.push(row);
      continue;
    }
    let query = db
      .selectFrom('messages')
      .select(MESSAGE_COLUMNS)
      .where('conversation', '=', row.conversation)
      .where(notHiddenBy(viewer))
      .orderBy('sent_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1);
    // A group member's own copies only, as on their history pages.
    if (groupOf(row.conversation) !== undefined) query = query.where('recipient', '=', viewer);
    rows.push((await query.executeTakeFirst()) ?? null);
  }
  const shown = rows.filter((r): r is MessageRow => r !== null);
  const messages = await withReactions(db, shown);
  const byRow = new Map(shown.map((r, i) => [r, messages[i]]));
  return rows.map((r) => (r === null ? null : (byRow.get(r) ?? null)));
}
