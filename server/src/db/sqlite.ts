// The embedded store: one SQLite file (WAL, so readers never block the writer), owner-only.
import SQLite from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import { LRUCache } from 'lru-cache';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ensurePrivateDatabaseFiles, ensurePrivateDir, type Tightened } from './private-files.js';

// Kysely asks better-sqlite3 to prepare every query it runs, and preparing (parsing and planning
// the SQL) cost about as much as running it: /send, acks and the history consumer repeat the same
// few statements thousands of times a second. Reuse them by SQL text. Safe because Kysely runs
// one statement at a time on its single connection and the server never streams (iterate) a
// query. Bounded: batch inserts vary in row count, so the least recently used statement goes.
const STATEMENT_CACHE_SIZE = 2000;

export function cachePreparedStatements(sqlite: SQLite.Database): void {
  const prepare = sqlite.prepare.bind(sqlite);
  const cache = new LRUCache<string, SQLite.Statement>({ max: STATEMENT_CACHE_SIZE });
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (!statement) cache.set(source, (statement = prepare(source)));
    return statement;
  }) as typeof sqlite.prepare;
}

export interface SqliteOptions {
  /**
   * The data directory the server owns (DATA_DIR, when the file lives in it): created 0700 and
   * tightened if it is more open. A directory named only through DATABASE_FILE is created 0700
   * when missing but never chmodded: it may be shared, like /tmp.
   */
  ownDir?: string;
  /** Told about every path whose permissions had to be tightened. */
  onTightened?: (changed: Tightened) => void;
}

export function openSqlite(file: string, options: SqliteOptions = {}) {
  const tightened = options.ownDir ? ensurePrivateDir(options.ownDir) : [];
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  tightened.push(...ensurePrivateDatabaseFiles(file));
  for (const changed of tightened) options.onTightened?.(changed);
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL in WAL mode survives a process crash (kill -9); only a power loss can drop the last
  // transactions, and Kafka still holds every acknowledged message for the history consumer.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  cachePreparedStatements(sqlite);
  return {
    dialect: new SqliteDialect({ database: sqlite }),
    ping: async (): Promise<boolean> => {
      try {
        return sqlite.prepare('SELECT 1 AS ok').get() !== undefined;
      } catch {
        return false;
      }
    },
  };
}
