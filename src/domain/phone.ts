// Phone number normalisation for uploaded contacts: one raw CSV cell → E.164.
//
// The contract's rule: punctuation people type (spaces, dashes, dots, parentheses) is dropped, a
// leading 00 is the international prefix, a number written with + is taken literally, a number
// without + is read as a national number of `defaultCountry`. Something that is not E.164
// afterwards is an error; an E.164 number libphonenumber (max metadata) does not consider valid is
// only a warning, because metadata lags behind real numbering plans and the user may know better.
// A number written nationally must be valid for `defaultCountry`: otherwise it was never the
// number the list meant (07700 900123 read as US is +107700900123), so it is an error, with a hint
// naming the country it looks like (phone-hints.ts).
//
// Spreadsheets damage numbers in two known ways, each recognised: a long number shown in
// scientific notation and exported that way (4.47701E+11, digits lost: an error), and a leading +
// dropped from an international number (447911123456: read as +447911123456 with a warning).
//
// Ingest runs this once per row (100,000 rows must go fast), so libphonenumber is asked once per
// number in the common case, and numbers written with + skip its text parser (3x slower) unless
// the fast check says invalid (see validE164).
import {
  type CountryCode,
  isSupportedCountry,
  PhoneNumber,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';

export type PhoneResult =
  | { ok: true; e164: string; warning?: string }
  | {
      ok: false;
      message: string;
      /** The digits of a number written without +: phoneHint() may say whose number it looks like. */
      nationalDigits?: string;
    };

export const INVALID_NUMBER_WARNING = 'not a valid number for its country';

export const SCIENTIFIC_NOTATION_ERROR =
  'Excel turned this number into scientific notation: format the column as Text and export again';

export const droppedPlusWarning = (e164: string) =>
  `Read as ${e164}: the leading + was missing (spreadsheets drop it unless the column is ` +
  'formatted as Text)';

const E164 = /^\+[1-9]\d{6,14}$/;
const DIGITS = /^\d+$/;
// Whitespace (incl. no-break spaces), ASCII and typographic dashes, dots, parentheses.
const PUNCTUATION = /[\s\-\u2010-\u2015\u2212.()]/g;
// 4.47701E+11 (Excel, any locale's decimal separator); only a digit run with an exponent.
const SCIENTIFIC = /^\s*\+?\d+(?:[.,]\d+)?[eE]\+?\d+\s*$/;
// Shortest number a dropped + is assumed for: a country code and a 10-digit national number need
// 11 digits, and shorter digit runs are far more often national numbers missing a country.
const DROPPED_PLUS_MIN_DIGITS = 11;

/** Whether `code` (upper case) is an ISO country libphonenumber can read national numbers of. */
export function isKnownCountry(code: string): code is CountryCode {
  return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code);
}

/**
 * Whether an E.164 number is valid in any region of its calling code. The fast check reads the
 * number against the calling code's main region only (+44 → GB), so a valid Guernsey or Canadian
 * number fails it; the full parse resolves the region, and runs only when the fast check says no.
 */
export function validE164(e164: string): boolean {
  try {
    if (new PhoneNumber(e164 as `+${string}`).isValid()) return true;
  } catch {
    // Unknown country calling code or nothing left after it: the full parse decides.
  }
  // The parser forgives a national trunk 0 after the country code (+44 020…) and would judge
  // another number than the one to be dialed: only the same digits count.
  const parsed = parsePhoneNumberFromString(e164);
  return parsed !== undefined && parsed.number === e164 && parsed.isValid();
}

function national(digits: string, defaultCountry: CountryCode | undefined): PhoneResult {
  if (defaultCountry !== undefined) {
    const parsed = parsePhoneNumberFromString(digits, defaultCountry);
    if (parsed !== undefined && E164.test(parsed.number) && parsed.isValid()) {
      return { ok: true, e164: parsed.number };
    }
  }
  const withPlus = `+${digits}`;
  if (digits.length >= DROPPED_PLUS_MIN_DIGITS && E164.test(withPlus) && validE164(withPlus)) {
    return { ok: true, e164: withPlus, warning: droppedPlusWarning(withPlus) };
  }
  const message =
    defaultCountry === undefined
      ? 'No country code: write the number with + and its country code, or set defaultCountry'
      : `Not a valid ${defaultCountry} number (defaultCountry=${defaultCountry})`;
  return { ok: false, message, nationalDigits: digits };
}

/**
 * Normalises one raw cell. A `warning` on success is reported and the number still dialed: an
 * E.164 number libphonenumber does not know, or a number read as if its + had been dropped.
 */
export function normalisePhone(raw: string, defaultCountry?: CountryCode): PhoneResult {
  if (SCIENTIFIC.test(raw)) return { ok: false, message: SCIENTIFIC_NOTATION_ERROR };
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
    return validE164(s)
      ? { ok: true, e164: s }
      : { ok: true, e164: s, warning: INVALID_NUMBER_WARNING };
  }
  if (!DIGITS.test(s)) {
    return {
      ok: false,
      message: 'Not a phone number: only digits, +, spaces, dashes, dots and parentheses allowed',
    };
  }
  return national(s, defaultCountry);
}
