import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKnownCountry, normalisePhone } from '../../src/domain/phone.js';

const ok = (e164: string, valid = true) => ({ ok: true, e164, valid });

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

  it('warns (valid: false) about E.164 numbers libphonenumber does not know, still normalising them', () => {
    expect(normalisePhone('+1234567890')).toEqual(ok('+1234567890', false));
    // No country has calling code 999: E.164 in shape, not a number.
    expect(normalisePhone('+999123456')).toEqual(ok('+999123456', false));
    expect(normalisePhone('555 1234', 'US')).toEqual(ok('+15551234', false));
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
    expect(err('1.41556E+10', 'US')).toBe(notPhone);
    expect(err('4155550132')).toBe(
      'No country code: write the number with + and its country code, or set defaultCountry',
    );
    expect(err('123', 'US')).toBe('Not a phone number of US (defaultCountry)');
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
