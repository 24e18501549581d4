import { type TUnsafe, Type } from 'typebox';

/**
 * A string restricted to `values`, as one plain `{type, enum}` schema: fast-json-stringify writes
 * it without trying union branches, and OpenAPI shows it as an enum.
 */
export function stringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
