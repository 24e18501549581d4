// Phone number normalisation for uploaded contacts: one raw CSV cell → E.164.
//
// The contract's rule: punctuation people type (spaces, dashes, dots, parentheses) is dropped, a
// leading 00 is the international prefix, a number written with + is taken literally, a number
// without + is read as a national number of `defaultCountry`. Something that is not E.164
// afterwards is an error; an E.164 number libphonenumber (max metadata) does not consider valid is
// only a warning, because metadata lags behind real numbering plans and the user may know better.
//
// Ingest runs this once per row (100,000 rows must go fast), so libphonenumber is asked exactly
// once per number, and numbers written with + skip its text parser (3x slower) entirely.
import {
  type CountryCode,
  isSupportedCountry,
  PhoneNumber,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';

export type PhoneResult =
  | { ok: true; e164: string; valid: boolean }
  | { ok: false; message: string };

export const INVALID_NUMBER_WARNING = 'not a valid number for its country';

const E164 = /^\+[1-9]\d{6,14}$/;
const DIGITS = /^\d+$/;
// Whitespace (incl. no-break spaces), ASCII and typographic dashes, dots, parentheses.
const PUNCTUATION = /[\s\-\u2010-\u2015\u2212.()]/g;

/** Whether `code` (upper case) is an ISO country libphonenumber can read national numbers of. */
export function isKnownCountry(code: string): code is CountryCode {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}

function validE164(e164: string): boolean {
  try {
    return new PhoneNumber(e164).isValid();
  } catch {
    // Unknown country calling code or nothing left after it.
    return false;
  }
}

/**
 * Normalises one raw cell. `valid` is false when the result is E.164 but not a valid number per
 * libphonenumber: the caller reports it as a warning and still dials it.
 */
export function normalisePhone(raw: string, defaultCountry?: CountryCode): PhoneResult {
  let s = raw.replace(PUNCTUATION, '');
  if (s === '') return { ok: false, message: 'Missing phone number' };
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  if (s.startsWith('+')) {
    if (!E164.test(s)) {
      return {
        ok: false,
        message: 'Not an E.164 number: expected + and 7 to 15 digits, the first not 0',
      };
    }
    return { ok: true, e164: s, valid: validE164(s) };
  }
  if (!DIGITS.test(s)) {
    return {
      ok: false,
      message: 'Not a phone number: only digits, +, spaces, dashes, dots and parentheses allowed',
    };
  }
  if (defaultCountry === undefined) {
    return {
      ok: false,
      message:
        'No country code: write the number with + and its country code, or set defaultCountry',
    };
  }
  const parsed = parsePhoneNumberFromString(s, defaultCountry);
  if (parsed === undefined || !E164.test(parsed.number)) {
    return { ok: false, message: `Not a phone number of ${defaultCountry} (defaultCountry)` };
  }
  return { ok: true, e164: parsed.number, valid: parsed.isValid() };
}
