import { describe, expect, it } from 'vitest';
import { pickCallerId, spreadOf } from '../../src/domain/caller-id.js';

// §21 local presence: a number of the callee's area code, else country, spread over equals.

const SF_1 = '+14155550100';
const SF_2 = '+14155550101';
const NYC = '+12125550100';
const TORONTO = '+14165550100';
const LONDON = '+442071838750';
const PARIS = '+33142685300';

describe('caller ID pool with local presence', () => {
  const pool = [NYC, SF_1, LONDON, SF_2, TORONTO];

  it("takes a number of the callee's area code in North America", () => {
    expect(pickCallerId('+14155559999', pool, 0)).toBe(SF_1);
    expect(pickCallerId('+14155559999', pool, 1)).toBe(SF_2);
    expect(pickCallerId('+12125559999', pool, 7)).toBe(NYC);
  });

  it("else one of the callee's country (Canada is not the United States)", () => {
    const us = [0, 1, 2].map((s) => pickCallerId('+13105559999', pool, s));
    expect(us).toEqual([NYC, SF_1, SF_2]);
    expect(pickCallerId('+16045559999', pool, 3)).toBe(TORONTO);
    expect(pickCallerId('+442079460000', pool, 5)).toBe(LONDON);
  });

  it('else any number of the pool; nothing from an empty one', () => {
    expect(pickCallerId('+33612345678', pool, 2)).toBe(LONDON);
    expect(pickCallerId('+33612345678', [PARIS], 9)).toBe(PARIS);
    expect(pickCallerId('+14155559999', [], 0)).toBeUndefined();
  });

  it('spreads calls over the matching numbers', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 1_000; i++) {
      const n = pickCallerId('+14155559999', pool, spreadOf(`att_${i}`))!;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([SF_1, SF_2]);
    expect(Math.min(...counts.values())).toBeGreaterThan(400);
  });
});
