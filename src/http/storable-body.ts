import { unstorableReason } from '../ingest/storable-text.js';

// A JSON body's text, keys included, as PostgreSQL would have to hold it. A route that stores
// part of its body checks the whole of it, so that what it keeps, what it ignores and what a
// later change starts keeping are refused alike (400) rather than failing in the database (500).

/** RFC 6901 escaping of one path segment. */
const segment = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * The first text in `value` PostgreSQL cannot store, as a sentence naming where it is
 * (`body/variables/1 contains a NUL character`); undefined when there is none. A bad key is
 * named by its parent, so the answer never echoes it.
 */
export function unstorableBodyText(value: unknown, path = 'body'): string | undefined {
  if (typeof value === 'string') {
    const why = unstorableReason(value);
    return why === undefined ? undefined : `${path} ${why}`;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = unstorableBodyText(item, `${path}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const why = unstorableReason(key);
      if (why) return `${path} has a field name that ${why}`;
      const found = unstorableBodyText(item, `${path}/${segment(key)}`);
      if (found) return found;
    }
  }
  return undefined;
}
