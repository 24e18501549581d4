// "Search by number" in a batch's calls (the `phone` filter of the calls list, ext).
//
// Operators type a number the way they see it: whole (+1 500-555-0101, (500) 555-0101), or a part
// they remember (0101, 555 01). So the filter matches a call when its E.164 number contains the
// typed digits, and also when the text, normalised exactly as on upload (with the batch's
// defaultCountry), is that call's number: a national number with a trunk 0 (07911 123456) has
// digits its E.164 form (+447911123456) does not contain.
import type { CountryCode } from 'libphonenumber-js/max';
import { normalisePhone } from './phone.js';

export interface PhoneSearch {
  /** The typed digits, matched anywhere in the E.164 number. */
  digits: string;
  /** The text as upload would have read it, when it reads as a whole number. */
  e164?: string;
}

// What people type around numbers: whitespace, dashes, dots, parentheses (as upload drops them).
const PUNCTUATION = /[\s\-\u2010-\u2015\u2212.()]/g;

/** The longest search text: an E.164 number with generous punctuation. */
export const PHONE_SEARCH_MAX_LENGTH = 40;

export type PhoneSearchResult = { ok: true; search: PhoneSearch } | { ok: false; message: string };

export function parsePhoneSearch(raw: string, defaultCountry?: CountryCode): PhoneSearchResult {
  const compact = raw.replace(PUNCTUATION, '');
  const digits = compact.replace(/^(\+|00)/, '');
  if (!/^\d+$/.test(digits)) {
    return {
      ok: false,
      message: 'phone must be digits, optionally with +, spaces, dashes, dots and parentheses',
    };
  }
  const whole = normalisePhone(raw, defaultCountry);
  return { ok: true, search: { digits, ...(whole.ok ? { e164: whole.e164 } : {}) } };
}
