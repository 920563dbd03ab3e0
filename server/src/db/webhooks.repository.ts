// Incoming webhooks. Found by id; the secret is only ever compared as its SHA-256 (webhooks.service.ts).
import type { Db } from './database.js';

export interface NewWebhook {
  id: string;
  secretHash: string;
  bot: string;
  createdBy: string;
  name: string;
  targetUser: string | null;
  targetGroup: string | null;
  createdAt: string;
}

const LISTED = ['webhooks.id', 'webhooks.name', 'webhooks.bot', 'webhooks.target_user', 'webhooks.target_group', 'webhooks.created_at', 'webhooks.last_used_at'] as const;

export function createWebhooksRepository(db: Db) {
  return {
    async create(w: NewWebhook) {
      await db
        .insertInto('webhooks')
        .values({
          id: w.id,
          secret_hash: w.secretHash,
          bot: w.bot,
          created_by: w.createdBy,
          name: w.name,
          target_user: w.targetUser,
          target_group: w.targetGroup,
          created_at: w.createdAt,
          last_used_at: null,
        })
        .execute();
    },
    /** Those of a deleted bot are dead and out of the list, so they do not count either. */
    count(createdBy: string) {
      return db
        .selectFrom('webhooks')
        .innerJoin('users', 'users.username', 'webhooks.bot')
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .where('webhooks.created_by', '=', createdBy)
        .where('users.deleted_at', 'is', null)
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    },
    /** The webhooks `createdBy` made whose bot still exists, oldest first. */
    list(createdBy: string) {
      return db
        .selectFrom('webhooks')
        .innerJoin('users', 'users.username', 'webhooks.bot')
        .select([...LISTED])
        .where('webhooks.created_by', '=', createdBy)
        .where('users.deleted_at', 'is', null)
        .orderBy('webhooks.created_at')
        .orderBy('webhooks.id')
        .execute();
    },
    /** The webhook with this id, with its secret's hash and creator, if its bot still exists. */
    findLive(id: string) {
      return db
        .selectFrom('webhooks')
        .innerJoin('users', 'users.username', 'webhooks.bot')
        .select([...LISTED, 'webhooks.secret_hash', 'webhooks.created_by'])
        .where('webhooks.id', '=', id)
        .where('users.deleted_at', 'is', null)
        .executeTakeFirst();
    },
    /** Replaces the secret of `createdBy`'s webhook; false when they have no such webhook. */
    async rotate(id: string, createdBy: string, secretHash: string): Promise<boolean> {
      const result = await db
        .updateTable('webhooks')
        .set({ secret_hash: secretHash })
        .where('id', '=', id)
        .where('created_by', '=', createdBy)
        .executeTakeFirst();
      return (result.numUpdatedRows ?? 0n) > 0n;
    },
    /** Deletes `createdBy`'s webhook; false when they have no such webhook. */
    async revoke(id: string, createdBy: string): Promise<boolean> {
      const result = await db.deleteFrom('webhooks').where('id', '=', id).where('created_by', '=', createdBy).executeTakeFirst();
      return (result.numDeletedRows ?? 0n) > 0n;
    },
    async touch(id: string, now: string) {
      await db.updateTable('webhooks').set({ last_used_at: now }).where('id', '=', id).execute();
    },
  };
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
