// What the message-action routes read before they produce a change or a reply: the message as the
// actor sees it, its reactions, and who holds a copy of a group message. Reads only: the store
// changes when the change records come back from Kafka (the store pipeline), never here.
import type { Db } from './database.js';
import { groupConversation, groupOf } from './schema.js';

/** A message as its actor may act on it: their own row (1:1) or their own copy (group). */
export interface ActedOnMessage {
  id: string;
  sender: string;
  recipient: string;
  /** Set on a group message's copy. */
  groupId: string | undefined;
  text: string;
  sentAt: string;
  deleted: boolean;
  /** The actor deleted it for themselves. */
  hiddenByActor: boolean;
}

export function createMessageActionsRepository(db: Db) {
  return {
    /**
     * Message `id` as `actor` sees it: the 1:1 row they sent or received, or their own copy of a
     * group message. Undefined when they have neither. Never a group message's other copies: a
     * sender's group message has one row per member, all with `sender` = actor.
     */
    async forActor(id: string, actor: string): Promise<ActedOnMessage | undefined> {
      const row = await db
        .selectFrom('messages as m')
        .leftJoin('hidden_messages as h', (join) => join.onRef('h.message_id', '=', 'm.id').on('h.username', '=', actor))
        .select(['m.id', 'm.sender', 'm.recipient', 'm.conversation', 'm.text', 'm.sent_at', 'm.deleted_at', 'h.hidden_at'])
        .where('m.id', '=', id)
        .where((eb) => eb.or([eb('m.recipient', '=', actor), eb.and([eb('m.sender', '=', actor), eb('m.conversation', 'not like', '#%')])]))
        .limit(1)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        sender: row.sender,
        recipient: row.recipient,
        groupId: groupOf(row.conversation),
        text: row.text,
        sentAt: row.sent_at,
        deleted: row.deleted_at !== null,
        hiddenByActor: row.hidden_at !== null,
      };
    },

    /** The distinct emoji on a message (all copies of a group message share its reactions). */
    async reactionEmoji(id: string): Promise<string[]> {
      const rows = await db.selectFrom('message_reactions').select('emoji').distinct().where('message_id', '=', id).execute();
      return rows.map((r) => r.emoji);
    },

    /**
     * The current members of a group who hold a copy of message `id`: those a change to it goes
     * to. A member who joined after it was sent has no copy and must not learn its new text.
     */
    async copyHolders(groupId: string, id: string): Promise<{ groupName: string; holders: string[] }> {
      const rows = await db
        .selectFrom('messages as m')
        .innerJoin('group_members as gm', (join) => join.onRef('gm.username', '=', 'm.recipient').on('gm.group_id', '=', groupId))
        .innerJoin('groups as g', 'g.id', 'gm.group_id')
        .select(['m.recipient', 'g.name'])
        .where('m.id', '=', id)
        .where('m.conversation', '=', groupConversation(groupId))
        .orderBy('m.recipient')
        .execute();
      return { groupName: rows[0]?.name ?? '', holders: rows.map((r) => r.recipient) };
    },
  };
}

export type MessageActionsRepository = ReturnType<typeof createMessageActionsRepository>;
