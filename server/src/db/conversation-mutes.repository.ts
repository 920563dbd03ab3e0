// Which 1:1 conversations each user muted: one row per muted (user, peer); unmuting deletes it.
import type { Db } from './database.js';

export function createConversationMutesRepository(db: Db) {
  return {
    /** Idempotent: muting a muted conversation (or unmuting an unmuted one) changes nothing. */
    async set(username: string, peer: string, muted: boolean, at: string): Promise<void> {
      if (muted) {
        await db
          .insertInto('conversation_mutes')
          .values({ username, peer, muted_at: at })
          .onConflict((oc) => oc.columns(['username', 'peer']).doNothing())
          .execute();
      } else {
        await db.deleteFrom('conversation_mutes').where('username', '=', username).where('peer', '=', peer).execute();
      }
    },

    async isMuted(username: string, peer: string): Promise<boolean> {
      const row = await db.selectFrom('conversation_mutes').select('peer').where('username', '=', username).where('peer', '=', peer).executeTakeFirst();
      return row !== undefined;
    },

    count(username: string): Promise<number> {
      return db
        .selectFrom('conversation_mutes')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('username', '=', username)
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    },

    /** Everyone `username` muted, oldest mute first; at most `limit` of them. */
    async peersMutedBy(username: string, limit: number): Promise<string[]> {
      const rows = await db
        .selectFrom('conversation_mutes')
        .select('peer')
        .where('username', '=', username)
        .orderBy('muted_at')
        .orderBy('peer')
        .limit(limit)
        .execute();
      return rows.map((r) => r.peer);
    },
  };
}

export type ConversationMutesRepository = ReturnType<typeof createConversationMutesRepository>;
