// Which store the suite runs against (TEST_DB, chosen in scripts/lib/vitest-postgres-setup.mjs),
// and, on Postgres, one database per test server.
import { createHash } from 'node:crypto';
import { inject } from 'vitest';
import { ensureDatabase } from '../../../scripts/lib/postgres-local.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    testDb: 'sqlite' | 'postgres';
    /** The test cluster's superuser URL (it holds a password); empty on SQLite. */
    postgresAdminUrl: string;
  }
}

export const testDb = inject('testDb');

/** For `it.skipIf(onPostgres)`: tests of the SQLite file itself (its permissions, its bytes). */
export const onPostgres = testDb === 'postgres';

/**
 * The DATABASE_URL of the server whose data lives in `dataDir`, or nothing on SQLite. The name
 * comes from the directory, so everything that means "the same server" (a restart with the same
 * env, a second instance given the first one's DATA_DIR) also shares its database.
 */
export async function databaseEnv(dataDir: string, env: Record<string, string>): Promise<Record<string, string>> {
  if (!onPostgres || env.DATABASE_URL) return {};
  const admin = inject('postgresAdminUrl');
  const name = `t_${createHash('sha256').update(dataDir).digest('hex').slice(0, 20)}`;
  try {
    await ensureDatabase(admin, name);
  } catch (error) {
    // Two servers of one test created it at the same moment.
    if ((error as { code?: string }).code !== '42P04' && (error as { code?: string }).code !== '23505') throw error;
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return { DATABASE_URL: url.toString() };
}
