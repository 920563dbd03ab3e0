// Transactions that Postgres may abort to break a deadlock (40P01) or a serialization conflict
// (40001) are run again: the abort undid everything, so a rerun is safe, and the caller (an ack,
// a read receipt, a history batch) should not fail because another writer came by. SQLite runs
// one transaction at a time and never aborts this way.
import type { Kysely, Transaction } from 'kysely';

const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 4;

function isRetryable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && RETRYABLE.has(String((error as { code?: unknown }).code));
}

export async function transact<DB, T>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRetryable(error)) throw error;
      // Jittered, so the two sides of a deadlock do not meet again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
