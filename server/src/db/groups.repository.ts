// Groups and their members: who is in which group, with which role, and each member's own
// settings of it (mute, pin, archive, unread mark).
// The messages of a group are in the messages table, one copy per member (messages.repository.ts).
import type { ChatMessage, GroupRole } from '@messenger/protocol';
import { sql, type Insertable, type Transaction } from 'kysely';
import type { Db } from './database.js';
import { lastMessagesAsSeen, MESSAGE_COLUMNS } from './message-views.repository.js';
import { groupConversation, type Database, type GroupMembersTable, type GroupsTable, type StoredSettings } from './schema.js';
import { chunks } from './chunks.js';
import { transact } from './transaction.js';

/** A member's own list settings of the group, beside their mute on the membership row. */
const SETTINGS = ['m.pinned_at', 'm.archived_at', 'm.marked_unread'] as const;

/**
 * Takes the group's row lock for the rest of the transaction, so membership changes of one group
 * happen one at a time: two concurrent adds cannot both pass the cap, and an owner who leaves
 * hands over to someone still there. A no-op UPDATE locks on both SQLite and Postgres, where
 * SELECT ... FOR UPDATE exists only on one.
 */
async function lockGroup(trx: Transaction<Database>, groupId: string): Promise<boolean> {
  const result = await trx.updateTable('groups').set({ name: sql`name` }).where('id', '=', groupId).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** One member's view of a group: their role, settings and unread count, and their copy of its last message. */
export interface MemberView extends StoredSettings {
  username: string;
  role: GroupRole;
  muted: boolean;
  unread: number;
  lastMessage: ChatMessage | null;
}

export interface GroupRow extends GroupsTable, StoredSettings {
  role: GroupRole;
  muted: number;
  member_count: number;
}

export interface MemberRow {
  username: string;
  role: GroupRole;
  joined_at: string;
}

export function createGroupsRepository(db: Db) {
  const memberCount = (groupId: string) =>
    db
      .selectFrom('group_members')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('group_id', '=', groupId)
      .executeTakeFirstOrThrow()
      .then((r) => Number(r.n));

  return {
    /** Creates the group with `owner` and `members` (existing users, the owner not among them). */
    async create(group: GroupsTable, owner: string, members: readonly string[]): Promise<void> {
      await transact(db, async (trx) => {
        await trx.insertInto('groups').values(group).execute();
        const rows: Insertable<GroupMembersTable>[] = [
          { group_id: group.id, username: owner, role: 'owner', joined_at: group.created_at, muted: 0 },
          ...members.map((username) => ({ group_id: group.id, username, role: 'member' as const, joined_at: group.created_at, muted: 0 })),
        ];
        for (const chunk of chunks(rows)) await trx.insertInto('group_members').values(chunk).execute();
      });
    },

    /** The group as `username` sees it, or undefined when they are not a member (or it does not exist). */
    async findFor(groupId: string, username: string): Promise<GroupRow | undefined> {
      const row = await db
        .selectFrom('groups as g')
        .innerJoin('group_members as m', 'm.group_id', 'g.id')
        .select(['g.id', 'g.name', 'g.created_by', 'g.created_at', 'm.role', 'm.muted', ...SETTINGS])
        .where('g.id', '=', groupId)
        .where('m.username', '=', username)
        .executeTakeFirst();
      if (!row) return undefined;
      return { ...row, member_count: await memberCount(groupId) };
    },

    /** The groups of `username` (or just `only` among them), with their unread count and last message id (if any). */
    async listFor(username: string, only?: string) {
      let query = db
        .selectFrom('group_members as m')
        .innerJoin('groups as g', 'g.id', 'm.group_id')
        .leftJoin('conversations as c', (join) =>
          join.onRef('c.owner', '=', 'm.username').on('c.peer', '=', sql<string>`'#' || g.id`),
        )
        .select([
          'g.id',
          'g.name',
          'g.created_by',
          'g.created_at',
          'm.role',
          'm.muted',
          ...SETTINGS,
          'c.unread',
          'c.last_message_id',
          'c.last_sent_at',
          (eb) =>
            eb
              .selectFrom('group_members as all')
              .select((e) => e.fn.countAll<number>().as('n'))
              .whereRef('all.group_id', '=', 'g.id')
              .as('member_count'),
        ])
        .where('m.username', '=', username)
        .orderBy(sql`coalesce(c.last_sent_at, g.created_at)`, 'desc')
        .orderBy('g.id')
        .limit(500);
      if (only !== undefined) query = query.where('g.id', '=', only);
      const rows = await query.execute();
      // Postgres returns count(*) as a bigint string.
      return rows.map((r) => ({ ...r, member_count: Number(r.member_count ?? 0), unread: Number(r.unread ?? 0) }));
    },

    /**
     * The group as each of `usernames` sees it (those who are members): a handful of statements
     * for any number of members, so a change in a big group is not one query per member.
     */
    async viewsFor(groupId: string, usernames: readonly string[]): Promise<{ group: GroupsTable; memberCount: number; views: MemberView[] } | undefined> {
      const group = await db.selectFrom('groups').selectAll().where('id', '=', groupId).executeTakeFirst();
      if (!group) return undefined;
      const conversation = groupConversation(groupId);
      const views: MemberView[] = [];
      for (const chunk of chunks([...new Set(usernames)])) {
        const rows = await db
          .selectFrom('group_members as m')
          .leftJoin('conversations as c', (join) => join.onRef('c.owner', '=', 'm.username').on('c.peer', '=', conversation))
          .select(['m.username', 'm.role', 'm.muted', ...SETTINGS, 'c.unread', 'c.last_message_id'])
          .where('m.group_id', '=', groupId)
          .where('m.username', 'in', chunk)
          .execute();
        const lastIds = [...new Set(rows.flatMap((r) => (r.last_message_id ? [r.last_message_id] : [])))];
        // Each member's copy of the last message, or of the one before when they hid it (null: all hidden).
        const copies = new Map<string, ChatMessage | null>();
        if (lastIds.length > 0) {
          const found = await db
            .selectFrom('messages')
            .select(MESSAGE_COLUMNS)
            .where('conversation', '=', conversation)
            .where('id', 'in', lastIds)
            .where('recipient', 'in', rows.map((r) => r.username))
            .execute();
          const seen = await lastMessagesAsSeen(db, found.map((row) => ({ viewer: row.recipient, row })));
          for (const [i, m] of found.entries()) copies.set(`${m.recipient}\n${m.id}`, seen[i] ?? null);
        }
        for (const r of rows) {
          views.push({
            username: r.username,
            role: r.role,
            muted: r.muted === 1,
            pinned_at: r.pinned_at,
            archived_at: r.archived_at,
            marked_unread: r.marked_unread,
            unread: Number(r.unread ?? 0),
            lastMessage: (r.last_message_id && copies.get(`${r.username}\n${r.last_message_id}`)) || null,
          });
        }
      }
      return { group, memberCount: await memberCount(groupId), views };
    },

    /**
     * The group's name and members, when `sender` is one of them (one query: it runs for every
     * group message sent).
     */
    async fanOutTargets(groupId: string, sender: string): Promise<{ name: string; members: string[] } | undefined> {
      const rows = await db
        .selectFrom('group_members as m')
        .innerJoin('groups as g', 'g.id', 'm.group_id')
        .select(['g.name', 'm.username'])
        .where('m.group_id', '=', groupId)
        .execute();
      if (!rows.some((r) => r.username === sender)) return undefined;
      return { name: rows[0]?.name ?? '', members: rows.map((r) => r.username) };
    },

    /** Usernames of the members, in username order. */
    async memberNames(groupId: string): Promise<string[]> {
      const rows = await db.selectFrom('group_members').select('username').where('group_id', '=', groupId).orderBy('username').execute();
      return rows.map((r) => r.username);
    },

    members(groupId: string): Promise<MemberRow[]> {
      return db
        .selectFrom('group_members')
        .select(['username', 'role', 'joined_at'])
        .where('group_id', '=', groupId)
        .orderBy('joined_at')
        .orderBy('username')
        .execute();
    },

    memberCount,

    member(groupId: string, username: string): Promise<MemberRow | undefined> {
      return db
        .selectFrom('group_members')
        .select(['username', 'role', 'joined_at'])
        .where('group_id', '=', groupId)
        .where('username', '=', username)
        .executeTakeFirst();
    },

    async roleOf(groupId: string, username: string): Promise<GroupRole | undefined> {
      const row = await db
        .selectFrom('group_members')
        .select('role')
        .where('group_id', '=', groupId)
        .where('username', '=', username)
        .executeTakeFirst();
      return row?.role;
    },

    /**
     * Adds those of `usernames` not yet members, unless the group would then have more than
     * `max`: 'full', and nobody is added. Returns who was added.
     */
    async addMembers(groupId: string, usernames: readonly string[], now: string, max: number): Promise<string[] | 'full'> {
      const wanted = [...new Set(usernames)];
      if (wanted.length === 0) return [];
      return transact(db, async (trx) => {
        if (!(await lockGroup(trx, groupId))) return [];
        const already = new Set<string>();
        for (const chunk of chunks(wanted)) {
          const rows = await trx.selectFrom('group_members').select('username').where('group_id', '=', groupId).where('username', 'in', chunk).execute();
          for (const r of rows) already.add(r.username);
        }
        const fresh = wanted.filter((u) => !already.has(u));
        const count = await trx
          .selectFrom('group_members')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('group_id', '=', groupId)
          .executeTakeFirstOrThrow();
        if (Number(count.n) + fresh.length > max) return 'full';
        for (const chunk of chunks(fresh)) {
          await trx
            .insertInto('group_members')
            .values(chunk.map((username) => ({ group_id: groupId, username, role: 'member' as const, joined_at: now, muted: 0 })))
            .execute();
        }
        return fresh;
      });
    },

    /**
     * Removes a member; their copies stay (history up to the removal), their unread entry goes.
     * When the owner goes, the longest-standing admin, else member, becomes owner in the same
     * transaction, so a group with members always has exactly one owner.
     */
    async removeMember(groupId: string, username: string): Promise<{ removed: boolean; newOwner?: string }> {
      return transact(db, async (trx) => {
        await lockGroup(trx, groupId);
        const gone = await trx
          .deleteFrom('group_members')
          .where('group_id', '=', groupId)
          .where('username', '=', username)
          .returning('role')
          .executeTakeFirst();
        if (!gone) return { removed: false };
        await trx.deleteFrom('conversations').where('owner', '=', username).where('peer', '=', groupConversation(groupId)).execute();
        if (gone.role !== 'owner') return { removed: true };
        const next = await trx
          .selectFrom('group_members')
          .select('username')
          .where('group_id', '=', groupId)
          .orderBy(sql`case when role = 'admin' then 0 else 1 end`)
          .orderBy('joined_at')
          .orderBy('username')
          .limit(1)
          .executeTakeFirst();
        if (!next) return { removed: true };
        await trx.updateTable('group_members').set({ role: 'owner' }).where('group_id', '=', groupId).where('username', '=', next.username).execute();
        return { removed: true, newOwner: next.username };
      });
    },

    /** Sets a member's role; never the owner's, whose role moves only by hand-over (removeMember). */
    async setRole(groupId: string, username: string, role: Exclude<GroupRole, 'owner'>): Promise<boolean> {
      const result = await db
        .updateTable('group_members')
        .set({ role })
        .where('group_id', '=', groupId)
        .where('username', '=', username)
        .where('role', '!=', 'owner')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async rename(groupId: string, name: string): Promise<void> {
      await db.updateTable('groups').set({ name }).where('id', '=', groupId).execute();
    },

    /** Stores `username`'s own settings of the group; false when they are not a member. */
    async setSettings(groupId: string, username: string, settings: StoredSettings & { muted: boolean }): Promise<boolean> {
      const { muted, ...rest } = settings;
      const result = await db
        .updateTable('group_members')
        .set({ muted: muted ? 1 : 0, ...rest })
        .where('group_id', '=', groupId)
        .where('username', '=', username)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** How many of their groups `username` pinned. */
    async countPinned(username: string): Promise<number> {
      const row = await db
        .selectFrom('group_members')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('username', '=', username)
        .where('pinned_at', 'is not', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /**
     * Whom to tell when `username` comes or goes: members of their groups of at most
     * `maxGroupSize` members, at most `limit` of them. Bigger groups learn presence by asking
     * (presence:query), so one user in many big groups cannot make every transition a broadcast
     * to thousands.
     */
    async coMembersOf(username: string, maxGroupSize: number, limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom('group_members as mine')
        .innerJoin('group_members as theirs', 'theirs.group_id', 'mine.group_id')
        .select('theirs.username')
        .distinct()
        .where('mine.username', '=', username)
        .where('theirs.username', '!=', username)
        .where((eb) =>
          eb(
            eb.selectFrom('group_members as size').select((e) => e.fn.countAll<number>().as('n')).whereRef('size.group_id', '=', 'mine.group_id'),
            '<=',
            maxGroupSize,
          ),
        )
        .orderBy('theirs.username')
        .limit(limit)
        .execute();
      return rows.map((r) => r.username);
    },

    /** Groups `username` shares with any of `candidates`: those candidates. */
    async coMembersAmong(username: string, candidates: readonly string[]): Promise<Set<string>> {
      if (candidates.length === 0) return new Set();
      const rows = await db
        .selectFrom('group_members as mine')
        .innerJoin('group_members as theirs', 'theirs.group_id', 'mine.group_id')
        .select('theirs.username')
        .distinct()
        .where('mine.username', '=', username)
        .where('theirs.username', 'in', [...new Set(candidates)])
        .execute();
      return new Set(rows.map((r) => r.username));
    },
  };
}

export type GroupsRepository = ReturnType<typeof createGroupsRepository>;
