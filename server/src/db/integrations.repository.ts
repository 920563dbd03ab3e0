// Bot accounts and API tokens. Tokens are found by the SHA-256 of their secret only.
import { chunks } from './chunks.js';
import type { Db } from './database.js';
import { transact } from './transaction.js';

export interface NewApiToken {
  id: string;
  tokenHash: string;
  username: string;
  createdBy: string;
  name: string;
  scopes: string;
  createdAt: string;
  expiresAt: string | null;
}

const LISTED = ['id', 'username', 'name', 'scopes', 'created_at', 'expires_at', 'last_used_at'] as const;

export function createIntegrationsRepository(db: Db) {
  return {
    /** False when the name is taken, by a person, a bot, or a deleted bot. */
    async createBot(username: string, owner: string, displayName: string | null, now: string): Promise<boolean> {
      const result = await db
        .insertInto('users')
        // No password hash opens a bot: '' is not an argon2 string, and sign-in refuses bots first.
        .values({ username, password_hash: '', created_at: now, kind: 'bot', owner, display_name: displayName })
        .onConflict((oc) => oc.column('username').doNothing())
        .executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) > 0n;
    },
    countBots(owner: string) {
      return db
        .selectFrom('users')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('owner', '=', owner)
        .where('kind', '=', 'bot')
        .where('deleted_at', 'is', null)
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    },
    listBots(owner: string) {
      return db
        .selectFrom('users')
        .select(['username', 'display_name', 'created_at'])
        .where('owner', '=', owner)
        .where('kind', '=', 'bot')
        .where('deleted_at', 'is', null)
        .orderBy('created_at')
        .orderBy('username')
        .execute();
    },
    /** Those of `usernames` that are bots (deleted ones too: their past messages stay theirs). */
    async botsAmong(usernames: readonly string[]): Promise<Set<string>> {
      const found = new Set<string>();
      for (const chunk of chunks([...new Set(usernames)])) {
        const rows = await db
          .selectFrom('users')
          .select('username')
          .where('username', 'in', chunk)
          .where('kind', '=', 'bot')
          .execute();
        for (const r of rows) found.add(r.username);
      }
      return found;
    },
    /** A live bot of `owner`, or undefined (someone else's, deleted, a person, or no such name). */
    findOwnedBot(username: string, owner: string) {
      return db
        .selectFrom('users')
        .select(['username', 'display_name', 'created_at'])
        .where('username', '=', username)
        .where('owner', '=', owner)
        .where('kind', '=', 'bot')
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
    },
    /**
     * Marks the bot deleted and revokes its live tokens in one transaction; returns their hashes
     * (so their sockets can be closed), or undefined when `owner` has no such bot.
     */
    deleteBot(username: string, owner: string, now: string): Promise<string[] | undefined> {
      return transact(db, async (trx) => {
        const deleted = await trx
          .updateTable('users')
          .set({ deleted_at: now })
          .where('username', '=', username)
          .where('owner', '=', owner)
          .where('kind', '=', 'bot')
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        if ((deleted.numUpdatedRows ?? 0n) === 0n) return undefined;
        const revoked = await trx
          .updateTable('api_tokens')
          .set({ revoked_at: now })
          .where('username', '=', username)
          .where('revoked_at', 'is', null)
          .returning('token_hash')
          .execute();
        return revoked.map((r) => r.token_hash);
      });
    },

    async createToken(t: NewApiToken) {
      await db
        .insertInto('api_tokens')
        .values({
          id: t.id,
          token_hash: t.tokenHash,
          username: t.username,
          created_by: t.createdBy,
          name: t.name,
          scopes: t.scopes,
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
    },
    countLiveTokens(createdBy: string, now: string) {
      return db
        .selectFrom('api_tokens')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('created_by', '=', createdBy)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    },
    /** Live tokens made by `createdBy` (for themselves or their bots), oldest first. */
    listTokens(createdBy: string, now: string) {
      return db
        .selectFrom('api_tokens')
        .select([...LISTED])
        .where('created_by', '=', createdBy)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },
    /** The live token with this secret hash, if its account is live too. */
    findActiveToken(tokenHash: string, now: string) {
      return db
        .selectFrom('api_tokens')
        .innerJoin('users', 'users.username', 'api_tokens.username')
        .select([
          'api_tokens.id',
          'api_tokens.username',
          'api_tokens.scopes',
          'api_tokens.expires_at',
          'api_tokens.last_used_at',
        ])
        .where('api_tokens.token_hash', '=', tokenHash)
        .where('api_tokens.revoked_at', 'is', null)
        .where((eb) => eb.or([eb('api_tokens.expires_at', 'is', null), eb('api_tokens.expires_at', '>', now)]))
        .where('users.deleted_at', 'is', null)
        .executeTakeFirst();
    },
    async touchToken(id: string, now: string) {
      await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
    },
    /** Deletes tokens revoked or expired before `cutoff`; how many. */
    async deleteEndedTokens(cutoff: string): Promise<number> {
      const result = await db
        .deleteFrom('api_tokens')
        .where((eb) => eb.or([eb('revoked_at', '<', cutoff), eb('expires_at', '<', cutoff)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    /** Revokes a live token of `createdBy`; its hash, or undefined when they have no such token. */
    async revokeToken(id: string, createdBy: string, now: string): Promise<string | undefined> {
      const row = await db
        .updateTable('api_tokens')
        .set({ revoked_at: now })
        .where('id', '=', id)
        .where('created_by', '=', createdBy)
        .where('revoked_at', 'is', null)
        .returning('token_hash')
        .executeTakeFirst();
      return row?.token_hash;
    },
  };
}

export type IntegrationsRepository = ReturnType<typeof createIntegrationsRepository>;
