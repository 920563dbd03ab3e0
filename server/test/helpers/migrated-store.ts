// A fresh, migrated history store for repository tests that need no server: a SQLite file in a
// temporary directory, or (TEST_DB=postgres) a database of its own on the suite's Postgres.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, Migrator } from 'kysely';
import { expect } from 'vitest';
import { migrationProvider } from '../../src/db/migrations.js';
import { openPostgres } from '../../src/db/postgres.js';
import type { Database } from '../../src/db/schema.js';
import { openSqlite } from '../../src/db/sqlite.js';
import { removeDir } from './app.js';
import { databaseEnv, testDb } from './database.js';

export interface MigratedStore {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  close(): Promise<void>;
}

export async function openMigratedStore(prefix: string): Promise<MigratedStore> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const { DATABASE_URL } = await databaseEnv(dataDir, {});
  const opened = DATABASE_URL ? openPostgres({ url: DATABASE_URL, poolMax: 2, onConnectionError: () => undefined }) : openSqlite(path.join(dataDir, 'messenger.sqlite'));
  const dialect = DATABASE_URL ? 'postgres' : 'sqlite';
  // The suite asked for this store: a test that silently ran on the other one would prove nothing.
  expect(dialect).toBe(testDb);
  const db = new Kysely<Database>({ dialect: opened.dialect });
  const migrated = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateToLatest();
  expect(migrated.error).toBeUndefined();
  return {
    db,
    dialect,
    async close() {
      await db.destroy();
      removeDir(dataDir);
    },
  };
}
