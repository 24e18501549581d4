import { describe, expect, it } from 'vitest';
import { idHead, idTail, newId } from '../../src/domain/ids.js';

describe('newId', () => {
  it('is the prefix, 10 characters of time and 16 random ones, in lower-case Crockford base32', () => {
    expect(newId('call', Date.UTC(2026, 0, 5))).toMatch(/^call_[0-9a-hjkmnp-tv-z]{26}$/);
  });

  it('sorts by creation time', () => {
    const ids = [5, 1_000, 1_767_225_600_000, 1_767_225_600_001].map((t) => newId('att', t));
    expect([...ids].sort()).toEqual(ids);
  });

  it('never repeats, across many refills of its random bytes, even within one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('msg', 1_767_225_600_000));
    expect(new Set(ids).size).toBe(ids.length);
    // Every character of the alphabet turns up in every random position.
    for (let k = 0; k < 16; k++) {
      expect(new Set(ids.map((id) => id[4 + 10 + k])).size).toBe(32);
    }
  });

  it('writes the time of each id, whatever prefix and time came before', () => {
    const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
    const timeOf = (ms: number) => {
      let out = '';
      for (let i = 0, t = ms; i < 10; i++, t = Math.floor(t / 32)) out = ALPHABET[t % 32] + out;
      return out;
    };
    const cases: Array<[Parameters<typeof newId>[0], number]> = [
      ['call', 1_767_225_600_000],
      ['call', 1_767_225_600_000],
      ['att', 1_767_225_600_000],
      ['conn', 1_767_225_600_999],
      ['call', 0],
      ['ws', 1_767_225_600_999.7],
      ['ws', -5],
    ];
    for (const [prefix, ms] of cases) {
      const id = newId(prefix, ms);
      expect(id.slice(0, prefix.length + 1)).toBe(`${prefix}_`);
      expect(id.slice(prefix.length + 1, prefix.length + 11)).toBe(
        timeOf(Math.max(0, Math.floor(ms))),
      );
      expect(id).toHaveLength(prefix.length + 27);
    }
  });

  it('makes the same ids in two parts: the head once, a tail per id', () => {
    const head = idHead('call', 1_767_225_600_000);
    expect(head).toBe(newId('call', 1_767_225_600_000).slice(0, 15));
    const tails = Array.from({ length: 5_000 }, () => idTail());
    for (const tail of tails) expect(`${head}${tail}`).toMatch(/^call_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(new Set(tails).size).toBe(tails.length);
  });
});
