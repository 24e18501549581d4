import { describe, expect, it } from 'vitest';
import { parsePhoneSearch } from '../../src/domain/phone-search.js';

describe('parsePhoneSearch', () => {
  it('keeps the digits people type, without punctuation or the international prefix', () => {
    expect(parsePhoneSearch('555-01')).toEqual({ ok: true, search: { digits: '55501' } });
    expect(parsePhoneSearch(' (500) 555.0101 ')).toEqual({
      ok: true,
      search: { digits: '5005550101' },
    });
    expect(parsePhoneSearch('00 44 79')).toEqual({ ok: true, search: { digits: '4479' } });
  });

  it('adds the number as upload reads it when the text is a whole number', () => {
    expect(parsePhoneSearch('+1 500 555 0101')).toEqual({
      ok: true,
      search: { digits: '15005550101', e164: '+15005550101' },
    });
    expect(parsePhoneSearch('07911 123456', 'GB')).toEqual({
      ok: true,
      search: { digits: '07911123456', e164: '+447911123456' },
    });
    expect(parsePhoneSearch('07911 123456')).toEqual({
      ok: true,
      search: { digits: '07911123456' },
    });
  });

  it('refuses text that is not digits', () => {
    for (const raw of ['', '+', 'abc', '12a', '1%', '1_2', '++1']) {
      expect(parsePhoneSearch(raw).ok, raw).toBe(false);
    }
  });
});
