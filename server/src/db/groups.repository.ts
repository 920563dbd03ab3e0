// Groups and their members: who is in which group, with which role, and whether they muted it.
// The messages of a group are in the messages table, one copy per member (messages.repository.ts).
import type { GroupRole } from '@messenger/protocol';
import { sql } from 'kysely';
import type { Db } from './database.js';
import { groupConversation, type GroupMembersTable, type GroupsTable } from './schema.js';
import { transact } from './transaction.js';

export interface GroupRow extends GroupsTable {
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
        const rows: GroupMembersTable[] = [
          { group_id: group.id, username: owner, role: 'owner', joined_at: group.created_at, muted: 0 },
          ...members.map((username) => ({ group_id: group.id, username, role: 'member' as const, joined_at: group.created_at, muted: 0 })),
        ];
        for (let i = 0; i < rows.length; i += 500) await trx.insertInto('group_members').values(rows.slice(i, i + 500)).execute();
      });
    },

    /** The group as `username` sees it, or undefined when they are not a member (or it does not exist). */
    async findFor(groupId: string, username: string): Promise<GroupRow | undefined> {
      const row = await db
        .selectFrom('groups as g')
        .innerJoin('group_members as m', 'm.group_id', 'g.id')
        .select(['g.id', 'g.name', 'g.created_by', 'g.created_at', 'm.role', 'm.muted'])
        .where('g.id', '=', groupId)
        .where('m.username', '=', username)
        .executeTakeFirst();
      if (!row) return undefined;
      return { ...row, member_count: await memberCount(groupId) };
    },

    /** The groups of `username`, with their unread count and last message id (if any). */
    async listFor(username: string) {
      return db
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
        .limit(500)
        .execute();
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

    async roleOf(groupId: string, username: string): Promise<GroupRole | undefined> {
      const row = await db
        .selectFrom('group_members')
        .select('role')
        .where('group_id', '=', groupId)
        .where('username', '=', username)
        .executeTakeFirst();
      return row?.role;
    },

    /** Adds those not yet members; returns who was added. */
    async addMembers(groupId: string, usernames: readonly string[], now: string): Promise<string[]> {
      if (usernames.length === 0) return [];
      return transact(db, async (trx) => {
        const added: string[] = [];
        for (let i = 0; i < usernames.length; i += 500) {
          const rows = await trx
            .insertInto('group_members')
            .values(usernames.slice(i, i + 500).map((username) => ({ group_id: groupId, username, role: 'member' as const, joined_at: now, muted: 0 })))
            .onConflict((oc) => oc.columns(['group_id', 'username']).doNothing())
            .returning('username')
            .execute();
          added.push(...rows.map((r) => r.username));
        }
        return added;
      });
    },

    /** Removes a member; their copies stay (history up to the removal), their unread entry goes. */
    async removeMember(groupId: string, username: string): Promise<boolean> {
      return transact(db, async (trx) => {
        const result = await trx.deleteFrom('group_members').where('group_id', '=', groupId).where('username', '=', username).executeTakeFirst();
        await trx.deleteFrom('conversations').where('owner', '=', username).where('peer', '=', groupConversation(groupId)).execute();
        return Number(result.numDeletedRows) > 0;
      });
    },

    async setRole(groupId: string, username: string, role: GroupRole): Promise<boolean> {
      const result = await db.updateTable('group_members').set({ role }).where('group_id', '=', groupId).where('username', '=', username).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async rename(groupId: string, name: string): Promise<void> {
      await db.updateTable('groups').set({ name }).where('id', '=', groupId).execute();
    },

    async setMuted(groupId: string, username: string, muted: boolean): Promise<boolean> {
      const result = await db
        .updateTable('group_members')
        .set({ muted: muted ? 1 : 0 })
        .where('group_id', '=', groupId)
        .where('username', '=', username)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
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
