// SQLite and Postgres both cap a statement's parameters: a long list goes in slices, one
// statement each.

/** How many values one statement names, unless the statement says otherwise. */
export const STATEMENT_CHUNK = 500;

/** `items` in consecutive slices of at most `size`. */
export function chunks<T>(items: readonly T[], size = STATEMENT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
