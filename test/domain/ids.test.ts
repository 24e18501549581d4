import { describe, expect, it } from 'vitest';
import { newId } from '../../src/domain/ids.js';

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
});
