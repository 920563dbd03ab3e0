import SQLite from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cachePreparedStatements } from './sqlite.js';

describe('cachePreparedStatements', () => {
  let db: SQLite.Database | undefined;
  afterEach(() => db?.close());

  it('prepares a statement once per SQL text and stays correct past its bound', () => {
    db = new SQLite(':memory:');
    cachePreparedStatements(db);
    const first = db.prepare('SELECT ? AS n');
    expect(db.prepare('SELECT ? AS n')).toBe(first);
    // More distinct statements than the cache holds (batch inserts vary in row count).
    for (let i = 0; i < 2500; i++) expect(db.prepare(`SELECT ${i} AS n`).get()).toEqual({ n: i });
    const again = db.prepare('SELECT ? AS n');
    expect(again.get(7)).toEqual({ n: 7 });
    expect(db.prepare('SELECT ? AS n')).toBe(again);
  });
});
