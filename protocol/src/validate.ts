// Runtime checks for every boundary. Uses TypeBox's Value (no eval), so it also runs in the
// browser under a strict CSP. Hot server paths may compile the same schemas with TypeCompiler.
import type { Static, TSchema } from '@sinclair/typebox';
import { FormatRegistry } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (v) => ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)));
}

export class ValidationError extends Error {
  constructor(
    readonly what: string,
    readonly details: string,
  ) {
    super(`${what}: ${details}`);
    this.name = 'ValidationError';
  }
}

export function check<S extends TSchema>(schema: S, value: unknown): value is Static<S> {
  return Value.Check(schema, value);
}

/** Returns the value typed, or throws a ValidationError naming the first problem. */
export function parse<S extends TSchema>(schema: S, value: unknown, what = 'value'): Static<S> {
  if (Value.Check(schema, value)) return value;
  const first = Value.Errors(schema, value).First();
  const where = first ? `${first.path || '/'} ${first.message}` : 'does not match the schema';
  throw new ValidationError(what, where);
}
