// Profiles: a user's display name (users.display_name) and picture (user_avatars, migration 0013).
import { chunks } from './chunks.js';
import type { Db } from './database.js';

export interface ProfileRow {
  username: string;
  display_name: string | null;
  /** The picture's version; null: no picture. */
  avatar_hash: string | null;
}

export function createProfilesRepository(db: Db) {
  return {
    /** The profiles of those of `usernames` that are live accounts (a deleted bot has none). */
    async profilesOf(usernames: readonly string[]): Promise<ProfileRow[]> {
      const rows: ProfileRow[] = [];
      for (const chunk of chunks([...new Set(usernames)])) {
        rows.push(
          ...(await db
            .selectFrom('users')
            .leftJoin('user_avatars', 'user_avatars.username', 'users.username')
            .select(['users.username', 'users.display_name', 'user_avatars.hash as avatar_hash'])
            .where('users.username', 'in', chunk)
            .where('users.deleted_at', 'is', null)
            .execute()),
        );
      }
      return rows;
    },

    /** False when there is no such live account. */
    async setDisplayName(username: string, displayName: string | null): Promise<boolean> {
      const result = await db
        .updateTable('users')
        .set({ display_name: displayName })
        .where('username', '=', username)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async putAvatar(username: string, image: Buffer, hash: string, now: string): Promise<void> {
      await db
        .insertInto('user_avatars')
        .values({ username, image, hash, updated_at: now })
        .onConflict((oc) => oc.column('username').doUpdateSet({ image, hash, updated_at: now }))
        .execute();
    },

    async deleteAvatar(username: string): Promise<void> {
      await db.deleteFrom('user_avatars').where('username', '=', username).execute();
    },

    /** Only the version: a conditional GET that matches answers 304 without reading the bytes. */
    async avatarHash(username: string): Promise<string | undefined> {
      const row = await db.selectFrom('user_avatars').select('hash').where('username', '=', username).executeTakeFirst();
      return row?.hash;
    },

    async avatar(username: string): Promise<{ image: Buffer; hash: string } | undefined> {
      return db.selectFrom('user_avatars').select(['image', 'hash']).where('username', '=', username).executeTakeFirst();
    },
  };
}

export type ProfilesRepository = ReturnType<typeof createProfilesRepository>;
