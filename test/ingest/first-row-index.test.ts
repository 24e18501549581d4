import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FirstRowIndex } from '../../src/ingest/first-row-index.js';

describe('FirstRowIndex', () => {
  it('answers as a Map of first rows does, for any mix of numbers and repeats', () => {
    const number = fc.oneof(
      fc.stringMatching(/^\+[1-9]\d{0,14}$/),
      // Few distinct values, so repeats are common.
      fc.constantFrom('+14155550100', '+14155550101', '+442071234567', '+1', '+999999999999999'),
      // Not of the integer shape: kept apart, never confused with one that is.
      fc.constantFrom('+014155550100', '+1415555010000000', '14155550100', ''),
    );
    fc.assert(
      fc.property(fc.array(number, { maxLength: 300 }), (numbers) => {
        const index = new FirstRowIndex(numbers.length);
        const map = new Map<string, number>();
        numbers.forEach((n, row) => {
          const expected = map.get(n);
          if (expected === undefined) map.set(n, row + 2);
          expect(index.firstOrAdd(n, row + 2)).toBe(expected);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('holds as many numbers as it was sized for, in one dense range', () => {
    const n = 100_000;
    const index = new FirstRowIndex(n);
    for (let i = 0; i < n; i++)
      expect(index.firstOrAdd(`+1415${2_000_000 + i}`, i)).toBeUndefined();
    for (let i = 0; i < n; i += 997) expect(index.firstOrAdd(`+1415${2_000_000 + i}`, -1)).toBe(i);
  });
});
