// The member id our consumer last held in a Kafka consumer group, one row per group.
import type { Db } from './database.js';

export function createKafkaMembersRepository(db: Db) {
  return {
    async find(groupId: string): Promise<string | undefined> {
      const row = await db.selectFrom('kafka_group_members').select('member_id').where('group_id', '=', groupId).executeTakeFirst();
      return row?.member_id;
    },
    async remember(groupId: string, memberId: string, now: string): Promise<void> {
      await db
        .insertInto('kafka_group_members')
        .values({ group_id: groupId, member_id: memberId, joined_at: now })
        .onConflict((oc) => oc.column('group_id').doUpdateSet({ member_id: memberId, joined_at: now }))
        .execute();
    },
  };
}

export type KafkaMembersRepository = ReturnType<typeof createKafkaMembersRepository>;
