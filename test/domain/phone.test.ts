import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  INVALID_NUMBER_WARNING,
  isKnownCountry,
  normalisePhone,
  validE164,
} from '../../src/domain/phone.js';
import { likelyCountries, phoneHint } from '../../src/domain/phone-hints.js';

const ok = (e164: string, valid = true) =>
  valid ? { ok: true, e164 } : { ok: true, e164, warning: INVALID_NUMBER_WARNING };

describe('normalisePhone', () => {
  it('keeps E.164 numbers and drops spaces, dashes, dots and parentheses', () => {
    expect(normalisePhone('+15005550001')).toEqual(ok('+15005550001'));
    expect(normalisePhone(' +1 (500) 555-0001 ')).toEqual(ok('+15005550001'));
    expect(normalisePhone('+44.20.7946.0000')).toEqual(ok('+442079460000'));
    expect(normalisePhone('+33\u00a01\u00a042\u201368\u201353\u201300')).toEqual(
      ok('+33142685300'),
    );
  });

  it('reads a leading 00 as +', () => {
    expect(normalisePhone('0044 20 7946 0000')).toEqual(ok('+442079460000'));
    expect(normalisePhone('0044 20 7946 0000', 'US')).toEqual(ok('+442079460000'));
  });

  it('takes a + number literally: a national trunk 0 after the country code is only a warning', () => {
    expect(normalisePhone('+44 020 7946 0000')).toEqual(ok('+4402079460000', false));
  });

  it('reads numbers without + as national numbers of defaultCountry', () => {
    expect(normalisePhone('(415) 555-0132', 'US')).toEqual(ok('+14155550132'));
    expect(normalisePhone('1 415 555 0132', 'US')).toEqual(ok('+14155550132'));
    expect(normalisePhone('020 7946 0000', 'GB')).toEqual(ok('+442079460000'));
    expect(normalisePhone('06 12 34 56 78', 'FR')).toEqual(ok('+33612345678'));
  });

  it('warns about E.164 numbers libphonenumber does not know, still normalising them', () => {
    expect(normalisePhone('+1234567890')).toEqual(ok('+1234567890', false));
    // No country has calling code 999: E.164 in shape, not a number.
    expect(normalisePhone('+999123456')).toEqual(ok('+999123456', false));
  });

  it('resolves the region of shared calling codes: valid there is valid, no warning', () => {
    // +44 ranges of Guernsey, Jersey and the Isle of Man; +1 of Canada and Jamaica; +7 of Kazakhstan.
    for (const e164 of [
      '+447781123456',
      '+447797712345',
      '+447924123456',
      '+15062345678',
      '+18762101234',
      '+77710009998',
    ]) {
      expect([e164, normalisePhone(e164)]).toEqual([e164, ok(e164)]);
      expect(validE164(e164)).toBe(true);
    }
    expect(validE164('+4402079460000')).toBe(false);
    expect(normalisePhone('07781 123456', 'GB')).toEqual(ok('+447781123456'));
  });

  it('a national number not valid for defaultCountry is an error that keeps its digits for a hint', () => {
    expect(normalisePhone('07700 900123', 'US')).toEqual({
      ok: false,
      message: 'Not a valid US number (defaultCountry=US)',
      nationalDigits: '07700900123',
    });
    expect(normalisePhone('555 1234', 'US')).toMatchObject({
      ok: false,
      message: 'Not a valid US number (defaultCountry=US)',
    });
  });

  it('spreadsheet damage: scientific notation is an error, a dropped + a warning', () => {
    const sci =
      'Excel turned this number into scientific notation: format the column as Text and export again';
    for (const raw of ['4.47701E+11', '4,47701E+11', '1.41556e10', ' 4.4E+11 ']) {
      expect(normalisePhone(raw, 'US')).toEqual({ ok: false, message: sci });
    }
    const dropped = (e164: string) => ({
      ok: true,
      e164,
      warning: `Read as ${e164}: the leading + was missing (spreadsheets drop it unless the column is formatted as Text)`,
    });
    expect(normalisePhone('447911123456')).toEqual(dropped('+447911123456'));
    expect(normalisePhone('44 7911 123456', 'US')).toEqual(dropped('+447911123456'));
    expect(normalisePhone('4915112345678', 'FR')).toEqual(dropped('+4915112345678'));
    // Valid for defaultCountry comes first: no warning.
    expect(normalisePhone('447911123456', 'GB')).toEqual(ok('+447911123456'));
    expect(normalisePhone('14155550132', 'US')).toEqual(ok('+14155550132'));
    // Fewer than 11 digits, or not valid with a +: not a dropped +.
    expect(normalisePhone('3312345678')).toMatchObject({ ok: false });
    expect(normalisePhone('99912345678901')).toMatchObject({ ok: false });
  });

  it('errors: not E.164 after normalisation', () => {
    const err = (raw: string, country?: 'US') => {
      const r = normalisePhone(raw, country);
      return r.ok ? r : r.message;
    };
    expect(err('')).toBe('Missing phone number');
    expect(err(' ( ) ')).toBe('Missing phone number');
    const notE164 = 'Not an E.164 number: expected + and 7 to 15 digits, the first not 0';
    expect(err('+0123456789')).toBe(notE164);
    expect(err('+123456')).toBe(notE164);
    expect(err('+1234567890123456')).toBe(notE164);
    expect(err('+1 500 555 0001 ext 12')).toBe(notE164);
    expect(err('++15005550001')).toBe(notE164);
    const notPhone =
      'Not a phone number: only digits, +, spaces, dashes, dots and parentheses allowed';
    expect(err('12ab')).toBe(notPhone);
    expect(err('4155550132')).toBe(
      'No country code: write the number with + and its country code, or set defaultCountry',
    );
    expect(err('123', 'US')).toBe('Not a valid US number (defaultCountry=US)');
  });

  it('property: any + number with 7–15 digits (first not 0), however punctuated, normalises to itself', () => {
    const punct = fc.constantFrom('', ' ', '-', '.', '(', ')', '\u00a0', '\u2013');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 6, maxLength: 14 }),
        fc.array(punct, { minLength: 16, maxLength: 16 }),
        (first, rest, seps) => {
          const digits = [first, ...rest];
          const raw = `+${digits.map((d, i) => `${seps[i]}${d}`).join('')}${seps[15]}`;
          const r = normalisePhone(raw);
          expect(r.ok && r.e164).toBe(`+${digits.join('')}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: never throws, and any result is E.164', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }),
        fc.constantFrom(undefined, 'US', 'GB', 'DE'),
        (s, c) => {
          const r = normalisePhone(s, c);
          if (r.ok) expect(r.e164).toMatch(/^\+[1-9]\d{6,14}$/);
          else expect(r.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('phoneHint', () => {
  it('names the country a national number most likely belongs to, and how to fix it', () => {
    // Ofcom's drama range: invalid to libphonenumber, but the shape of a British mobile.
    expect(phoneHint('07700900123')).toBe(
      '; looks like a GB number: set defaultCountry=GB or write it in +44 form (it also fits IN and IQ)',
    );
    // Guernsey's range, read with GB: the hint names the calling code's main country.
    expect(phoneHint('07781123456')).toMatch(/^; looks like a GB number: set defaultCountry=GB /);
    expect(phoneHint('015112345678')).toBe(
      '; looks like a DE number: set defaultCountry=DE or write it in +49 form (it also fits CN)',
    );
    expect(phoneHint('0612345678')).toMatch(
      /^; looks like an FR number: set defaultCountry=FR or write it in \+33 form \(it also fits NL, ZA, [A-Z]{2} and \d+ more\)$/,
    );
    expect(phoneHint('4155550132')).toMatch(/^; looks like a US number: set defaultCountry=US /);
    expect(phoneHint('123')).toBe(': check the digits, or write it with + and its country code');
  });

  it('prefers countries where the number is a mobile, one per calling code', () => {
    const found = likelyCountries('07911123456');
    expect(found.map((c) => c.country)).toEqual(['GB', 'IQ']);
    expect(found[0]).toEqual({ country: 'GB', callingCode: '44' });
  });
});

describe('isKnownCountry', () => {
  it('accepts upper-case ISO codes libphonenumber knows', () => {
    expect(['US', 'GB', 'FR', 'XK'].map(isKnownCountry)).toEqual([true, true, true, true]);
    expect(['us', 'XX', 'USA', '', '001'].map(isKnownCountry)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
