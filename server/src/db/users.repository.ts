// Accounts: users and their hashed session tokens.
import { sql } from 'kysely';
import { chunks } from './chunks.js';
import type { Db } from './database.js';
import { transact } from './transaction.js';

export function createUsersRepository(db: Db) {
  return {
    async create(username: string, passwordHash: string, now: string): Promise<boolean> {
      const result = await db
        .insertInto('users')
        .values({ username, password_hash: passwordHash, created_at: now })
        .onConflict((oc) => oc.column('username').doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },
    find(username: string) {
      return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
    },
    /** A live account: a deleted bot keeps its row (its name stays taken) but is no one to write to. */
    async exists(username: string): Promise<boolean> {
      const row = await db.selectFrom('users').select('username').where('username', '=', username).where('deleted_at', 'is', null).executeTakeFirst();
      return row !== undefined;
    },
    /** Those of `usernames` that are live accounts (not deleted bots). */
    async existingAmong(usernames: readonly string[]): Promise<Set<string>> {
      const found = new Set<string>();
      for (const chunk of chunks([...new Set(usernames)])) {
        const rows = await db
          .selectFrom('users')
          .select('username')
          .where('username', 'in', chunk)
          .where('deleted_at', 'is', null)
          .execute();
        for (const r of rows) found.add(r.username);
      }
      return found;
    },
    /** Prefix search; LIKE metacharacters in the query are escaped. */
    search(prefix: string, exclude: string, limit: number) {
      const escaped = prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
      return db
        .selectFrom('users')
        .select('username')
        .where(sql<boolean>`username LIKE ${`${escaped}%`} ESCAPE '\\'`)
        .where('username', '!=', exclude)
        // A deleted bot keeps its name, not a place in search.
        .where('deleted_at', 'is', null)
        .orderBy('username')
        .limit(limit)
        .execute();
    },

    async createSession(tokenHash: string, username: string, now: string, expiresAt: string) {
      await db
        .insertInto('sessions')
        .values({ token_hash: tokenHash, username, created_at: now, expires_at: expiresAt, revoked_at: null })
        .execute();
    },
    findActiveSession(tokenHash: string, now: string) {
      return db
        .selectFrom('sessions')
        .select(['username', 'expires_at', 'token_hash'])
        .where('token_hash', '=', tokenHash)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
    },
    async revokeSession(tokenHash: string, now: string) {
      await db.updateTable('sessions').set({ revoked_at: now }).where('token_hash', '=', tokenHash).execute();
    },
    /**
     * Sets a new password hash and, in the same transaction, revokes the user's other live
     * sessions: no moment exists where the new password is set and an old session still works.
     * Returns the revoked token hashes, so their sockets can be closed.
     */
    setPassword(username: string, passwordHash: string, now: string, keepTokenHash: string): Promise<string[]> {
      return transact(db, async (trx) => {
        await trx.updateTable('users').set({ password_hash: passwordHash }).where('username', '=', username).execute();
        const revoked = await trx
          .updateTable('sessions')
          .set({ revoked_at: now })
          .where('username', '=', username)
          .where('revoked_at', 'is', null)
          .where('token_hash', '!=', keepTokenHash)
          .returning('token_hash')
          .execute();
        return revoked.map((r) => r.token_hash);
      });
    },
    /** Revokes every live session of the user; returns their token hashes. */
    async revokeAllSessions(username: string, now: string): Promise<string[]> {
      const revoked = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('username', '=', username)
        .where('revoked_at', 'is', null)
        .returning('token_hash')
        .execute();
      return revoked.map((r) => r.token_hash);
    },
    async deleteExpiredSessions(now: string) {
      await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
    },
  };
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;
