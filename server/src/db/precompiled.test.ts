import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { precompiled, slot } from './precompiled.js';

// Compiles only (a dummy driver): what reaches the database is covered by test/database.test.ts.
const db = new Kysely<{ t: { a: string; b: number } }>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new SqliteIntrospector(k),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

describe('precompiled statements', () => {
  it('fills slots from the values of each execution, in whatever order the compiler placed them, and builds each shape once', () => {
    let builds = 0;
    const insert = precompiled((rows: number) => {
      builds++;
      return db
        .insertInto('t')
        // Slot numbers deliberately not in parameter order.
        .values(Array.from({ length: rows }, (_, i) => ({ b: slot<number>(2 * i + 1), a: slot(2 * i) })))
        .compile();
    });
    expect(insert(2, ['x', 1, 'y', 2])).toMatchObject({ sql: 'insert into "t" ("b", "a") values (?, ?), (?, ?)', parameters: [1, 'x', 2, 'y'] });
    expect(insert(2, ['z', 3, 'w', 4]).parameters).toEqual([3, 'z', 4, 'w']);
    expect(insert(1, ['v', 5]).parameters).toEqual([5, 'v']);
    expect(builds).toBe(2);
  });

  it('refuses a statement with a parameter that is not a slot', () => {
    const bad = precompiled(() => sql`SELECT ${'constant'}, ${slot(0)}`.compile(db));
    expect(() => bad(0, ['x'])).toThrow(/not a slot/);
  });
});
