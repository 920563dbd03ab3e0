// Statements the hot paths run hundreds of times a second (a history round, an ack round),
// built and compiled by Kysely once per shape instead of on every call. Building the operation
// tree, freezing it and compiling it cost ~15 % of a store round's CPU, and more of a small one;
// the SQL text and the database's own prepared statement (sqlite.ts caches them by text) are
// the same either way, so one code path still serves SQLite and Postgres.
//
// A shape is what changes the SQL: for a multi-row INSERT, its row count. The builder receives
// slots instead of values; each execution fills them from a flat array, whatever order the
// compiler put its parameters in.
import type { CompiledQuery } from 'kysely';

const SLOT_PREFIX = '\u0000slot:';

/** Stands for `values[k]` of an execution. Typed as whatever the column wants. */
export function slot<T = string>(k: number): T {
  return `${SLOT_PREFIX}${k}` as T;
}

function slotIndex(parameter: unknown): number {
  if (typeof parameter === 'string' && parameter.startsWith(SLOT_PREFIX)) return Number(parameter.slice(SLOT_PREFIX.length));
  // A constant written into the builder would be sent as-is on every execution, which is
  // probably not what was meant: refuse it where the statement is first built (tests catch it).
  throw new Error(`precompiled statement has a parameter that is not a slot: ${String(parameter)}`);
}

interface Shape {
  compiled: CompiledQuery;
  order: number[];
}

/**
 * `build` compiles the statement of one shape (a builder's `.compile()`, or `sql`'s
 * `.compile(db)`). Returns `(shape, values) => CompiledQuery`, ready for `executeQuery` on a Kysely instance or a
 * transaction. Shapes past `maxShapes` (rare: large batches, where compiling is cheap next to
 * the rows) are compiled each time rather than held.
 */
export function precompiled<S>(build: (shape: S) => CompiledQuery, maxShapes = 64) {
  const shapes = new Map<S, Shape>();
  return <R>(shape: S, values: readonly unknown[]): CompiledQuery<R> => {
    let entry = shapes.get(shape);
    if (!entry) {
      const compiled = build(shape);
      entry = { compiled, order: compiled.parameters.map(slotIndex) };
      if (shapes.size < maxShapes) shapes.set(shape, entry);
    }
    const { order, compiled } = entry;
    const parameters = new Array<unknown>(order.length);
    for (let i = 0; i < order.length; i++) parameters[i] = values[order[i]!];
    return {
      query: compiled.query,
      queryId: compiled.queryId,
      sql: compiled.sql,
      parameters,
    } as CompiledQuery<R>;
  };
}
