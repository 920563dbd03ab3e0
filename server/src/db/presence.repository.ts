// Cluster-wide presence in Postgres: which server processes are alive (a renewed lease) and
// which of them hold a socket of which user. Postgres only: SQLite runs one process and keeps
// presence in memory (realtime/presence.ts).
//
// Every change to one user's rows runs under a transaction-scoped advisory lock on that user, so
// "was anyone else online?" and "is anyone left?" are answered against a stable set of rows:
// of two processes that drop a user's last two sockets at once, exactly one sees "nobody left",
// and of two survivors reaping the same dead process, exactly one announces its users offline.
import { sql, type Transaction } from 'kysely';
import type { Db } from './database.js';
import type { Database } from './schema.js';

// Advisory locks are keyed by (class, object); the class keeps presence apart from other users
// of advisory locks (Kysely's migrator takes one with a single bigint key).
const PRESENCE_LOCK_CLASS = 0x5052; // "PR"
// Rows handled per reap round: a dead process with more users is finished in the next rounds.
const REAP_BATCH = 500;

async function lockUser(trx: Transaction<Database>, username: string) {
  await sql`SELECT pg_advisory_xact_lock(${PRESENCE_LOCK_CLASS}, hashtext(${username}))`.execute(trx);
}

async function anyRow(trx: Transaction<Database>, username: string): Promise<boolean> {
  const row = await trx.selectFrom('presence').select('instance_id').where('username', '=', username).limit(1).executeTakeFirst();
  return row !== undefined;
}

export function createPresenceRepository(db: Db) {
  return {
    /** Starts or renews this process's lease. Returns false when the row was gone (reaped). */
    async renew(instanceId: string, leaseUntil: string): Promise<boolean> {
      const updated = await db.updateTable('server_instances').set({ lease_until: leaseUntil }).where('instance_id', '=', instanceId).executeTakeFirst();
      if (updated.numUpdatedRows > 0n) return true;
      await db
        .insertInto('server_instances')
        .values({ instance_id: instanceId, lease_until: leaseUntil })
        .onConflict((oc) => oc.column('instance_id').doUpdateSet({ lease_until: leaseUntil }))
        .execute();
      return false;
    },

    /** Records that this process holds a socket of the user; true when nobody held one before. */
    async join(instanceId: string, username: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await lockUser(trx, username);
        const before = await anyRow(trx, username);
        await trx.insertInto('presence').values({ instance_id: instanceId, username }).onConflict((oc) => oc.doNothing()).execute();
        return !before;
      });
    },

    /** Records that this process holds no socket of the user; true when nobody holds one now. */
    async leave(instanceId: string, username: string): Promise<boolean> {
      return db.transaction().execute(async (trx) => {
        await lockUser(trx, username);
        const deleted = await trx.deleteFrom('presence').where('instance_id', '=', instanceId).where('username', '=', username).executeTakeFirst();
        return deleted.numDeletedRows > 0n && !(await anyRow(trx, username));
      });
    },

    /** Those of `usernames` with a socket on any process whose rows are not yet reaped. */
    async onlineAmong(usernames: readonly string[]): Promise<Set<string>> {
      if (usernames.length === 0) return new Set();
      const rows = await db.selectFrom('presence').select('username').distinct().where('username', 'in', [...usernames]).execute();
      return new Set(rows.map((r) => r.username));
    },

    /**
     * Ends the leases that ran out before `now`, then removes up to REAP_BATCH users' rows of
     * processes without a lease (dead, or gone while an earlier reap was half done). Returns the
     * users this left with no socket anywhere.
     */
    async reap(now: string): Promise<string[]> {
      await db.deleteFrom('server_instances').where('lease_until', '<', now).execute();
      const orphans = await db
        .selectFrom('presence')
        .select('username')
        .distinct()
        .where('instance_id', 'not in', db.selectFrom('server_instances').select('instance_id'))
        .limit(REAP_BATCH)
        .execute();
      const offline: string[] = [];
      for (const { username } of orphans) {
        const gone = await db.transaction().execute(async (trx) => {
          await lockUser(trx, username);
          const deleted = await trx
            .deleteFrom('presence')
            .where('username', '=', username)
            .where('instance_id', 'not in', trx.selectFrom('server_instances').select('instance_id'))
            .executeTakeFirst();
          return deleted.numDeletedRows > 0n && !(await anyRow(trx, username));
        });
        if (gone) offline.push(username);
      }
      return offline;
    },

    /** A clean shutdown: the lease ends now; the rows go with the next reap (see `reap`). */
    async endLease(instanceId: string): Promise<void> {
      await db.deleteFrom('server_instances').where('instance_id', '=', instanceId).execute();
    },
  };
}

export type PresenceRepository = ReturnType<typeof createPresenceRepository>;
