// History pages that open somewhere in the middle of a conversation: around a message (a search
// result) and newer than a message (scrolling down from there). Older pages are pageOf's.
import type { ChatMessage } from '@messenger/protocol';
import type { Db } from './database.js';
import { MESSAGE_COLUMNS, notHiddenBy, withReactions } from './message-views.repository.js';
import { positionOf, type ConversationRef, type Position } from './messages.repository.js';
import { conversationKey, groupConversation } from './schema.js';


export interface WindowPage {
  /** Newest first, like every history page. */
  messages: ChatMessage[];
  nextBefore: string | null;
  nextAfter: string | null;
}

/**
 * Up to `limit` messages on one side of `at`, nearest first, and whether there are more: newer
 * than it, or older than it and `at` itself (the order every view pages by: sent_at, then id).
 */
async function walk(db: Db, where: ConversationRef, at: Position, side: 'newer' | 'older-and-at', limit: number) {
  const newer = side === 'newer';
  let query = db
    .selectFrom('messages')
    .select(MESSAGE_COLUMNS)
    .where('conversation', '=', where.conversation)
    .where(notHiddenBy(where.viewer))
    .where((eb) => eb.or([eb('sent_at', newer ? '>' : '<', at.sent_at), eb.and([eb('sent_at', '=', at.sent_at), eb('id', newer ? '>' : '<=', at.id)])]))
    .orderBy('sent_at', newer ? 'asc' : 'desc')
    .orderBy('id', newer ? 'asc' : 'desc')
    .limit(limit + 1);
  if (where.recipient !== undefined) query = query.where('recipient', '=', where.recipient);
  const rows = await query.execute();
  return { messages: await withReactions(db, rows.slice(0, limit)), more: rows.length > limit };
}

/** Where a page opens: after a message (exclusive), or around one (inclusive). */
export type WindowCursor = { after: string } | { around: string };

/** The messages newer than message `after`; undefined when it is not in the conversation. */
async function after(db: Db, where: ConversationRef, id: string, limit: number): Promise<WindowPage | undefined> {
  const at = await positionOf(db, where, id);
  if (!at) return undefined;
  const newer = await walk(db, where, at, 'newer', limit);
  const messages = newer.messages.reverse();
  // The message itself is older than the page: there is always an older page.
  return { messages, nextBefore: messages.at(-1)?.id ?? id, nextAfter: newer.more ? (messages[0]?.id ?? null) : null };
}

/**
 * Message `around` with up to half the page newer than it and the rest older (more older when
 * fewer newer exist), so that a client opens a conversation at a search result and pages both
 * ways. Undefined when the message is not in the conversation.
 */
async function around(db: Db, where: ConversationRef, id: string, limit: number): Promise<WindowPage | undefined> {
  const at = await positionOf(db, where, id);
  if (!at) return undefined;
  const newer = await walk(db, where, at, 'newer', Math.floor((limit - 1) / 2));
  const older = await walk(db, where, at, 'older-and-at', limit - newer.messages.length);
  const messages = [...newer.messages.reverse(), ...older.messages];
  return { messages, nextBefore: older.more ? (messages.at(-1)?.id ?? null) : null, nextAfter: newer.more ? (messages[0]?.id ?? null) : null };
}

function windowOf(db: Db, where: ConversationRef, cursor: WindowCursor, limit: number) {
  return 'around' in cursor ? around(db, where, cursor.around, limit) : after(db, where, cursor.after, limit);
}

export function createHistoryWindowRepository(db: Db) {
  return {
    /** A page of the 1:1 conversation of `me` and `peer`, opened at `cursor`. */
    conversation: (me: string, peer: string, cursor: WindowCursor, limit: number) => windowOf(db, { conversation: conversationKey(me, peer), viewer: me }, cursor, limit),
    /** A page of a group as `member` sees it (their copies), opened at `cursor`. */
    group: (member: string, groupId: string, cursor: WindowCursor, limit: number) =>
      windowOf(db, { conversation: groupConversation(groupId), viewer: member, recipient: member }, cursor, limit),
  };
}

export type HistoryWindowRepository = ReturnType<typeof createHistoryWindowRepository>;
