// Opens the configured store (DATABASE_URL: the embedded SQLite file, or Postgres) behind one
// Kysely instance, and migrates it. Everything above this module runs the same queries on both.
import { Kysely, Migrator } from 'kysely';
import type { DatabaseConfig } from '../config.js';
import { migrationProvider } from './migrations.js';
import { openPostgres } from './postgres.js';
import type { Database } from './schema.js';
import { openSqlite, type SqliteOptions } from './sqlite.js';

export type Db = Kysely<Database>;

export interface OpenedDatabase {
  db: Db;
  dialect: DatabaseConfig['kind'];
  /** True when a trivial query answers (within 2 s on Postgres). */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenOptions extends SqliteOptions {
  /** A pooled connection failed (Postgres only); pg replaces it. */
  onConnectionError?: (error: Error) => void;
}

export async function openDatabase(config: DatabaseConfig, options: OpenOptions = {}): Promise<OpenedDatabase> {
  const opened =
    config.kind === 'sqlite'
      ? openSqlite(config.file, options)
      : openPostgres({ url: config.url.reveal(), poolMax: config.poolMax, onConnectionError: options.onConnectionError ?? (() => undefined) });
  const db = new Kysely<Database>({ dialect: opened.dialect });
  // On Postgres, Kysely holds an advisory lock while migrating: several instances starting at
  // once apply each migration exactly once.
  const { error, results } = await new Migrator({ db, provider: migrationProvider(config.kind) }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    // pg's connection errors name host and port, never the password.
    throw new Error(failed ? `Database migration ${failed} failed: ${String(error)}` : `The ${config.kind} database cannot be opened: ${String(error)}`);
  }
  return { db, dialect: config.kind, ping: opened.ping, close: () => db.destroy() };
}
