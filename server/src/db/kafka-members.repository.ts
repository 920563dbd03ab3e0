// The member id a server process (by INSTANCE_ID) last held in a Kafka consumer group.
import type { Db } from './database.js';

export interface GroupSeat {
  groupId: string;
  /** INSTANCE_ID; '' when unset. */
  instanceId: string;
}

export function createKafkaMembersRepository(db: Db) {
  return {
    async find(seat: GroupSeat): Promise<string | undefined> {
      const row = await db
        .selectFrom('kafka_group_members')
        .select('member_id')
        .where('group_id', '=', seat.groupId)
        .where('instance_id', '=', seat.instanceId)
        .executeTakeFirst();
      return row?.member_id;
    },
    async remember(seat: GroupSeat, memberId: string, now: string): Promise<void> {
      await db
        .insertInto('kafka_group_members')
        .values({ group_id: seat.groupId, instance_id: seat.instanceId, member_id: memberId, joined_at: now })
        .onConflict((oc) => oc.columns(['group_id', 'instance_id']).doUpdateSet({ member_id: memberId, joined_at: now }))
        .execute();
    },
  };
}

export type KafkaMembersRepository = ReturnType<typeof createKafkaMembersRepository>;
