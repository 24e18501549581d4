// PostgreSQL cannot hold every JavaScript string: text and jsonb refuse NUL (U+0000), jsonb refuses
// an unpaired UTF-16 surrogate (`"\ud800"` is valid JSON), and text silently stores one as U+FFFD.
// Input that would reach the database with either is refused up front (400), and an id holding
// one names nothing (404), instead of surfacing as a database error (500).

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const hasNul = (s: string) => s.includes('\0');

export const hasUnpairedSurrogate = (s: string) => UNPAIRED_SURROGATE.test(s);

/** Whether `s` reaches PostgreSQL (text or jsonb) unchanged. */
export const isStorableText = (s: string) => !hasNul(s) && !hasUnpairedSurrogate(s);

/** Why `s` cannot be stored, as the end of a sentence naming the field; undefined if it can. */
export function unstorableReason(s: string): string | undefined {
  if (hasNul(s)) return 'contains a NUL character';
  if (hasUnpairedSurrogate(s)) return 'contains an unpaired UTF-16 surrogate (not Unicode text)';
  return undefined;
}
