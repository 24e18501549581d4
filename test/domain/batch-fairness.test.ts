import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interleaveByBatch } from '../../src/domain/batch-fairness.js';

const c = (batchId: string, runAt: number, seq: number) => ({ batchId, runAt, seq });

describe('interleaveByBatch', () => {
  it('takes one call of each batch per round, the longest-waiting batch first', () => {
    const big = [c('big', 100, 0), c('big', 100, 1), c('big', 100, 2), c('big', 100, 3)];
    const small = [c('small', 500, 0), c('small', 500, 1)];
    expect(interleaveByBatch([...big, ...small]).map((x) => `${x.batchId}${x.seq}`)).toEqual([
      'big0',
      'small0',
      'big1',
      'small1',
      'big2',
      'big3',
    ]);
  });

  it('gives a free slot to the batch with fewer calls in progress', () => {
    const cands = [c('big', 100, 7), c('small', 500, 0)];
    expect(interleaveByBatch(cands, new Map([['big', 1]])).map((x) => x.batchId)).toEqual([
      'small',
      'big',
    ]);
    expect(interleaveByBatch(cands, new Map([['small', 1]])).map((x) => x.batchId)).toEqual([
      'big',
      'small',
    ]);
  });

  it("keeps each batch's own order by due time then CSV position", () => {
    const out = interleaveByBatch([c('a', 300, 0), c('a', 100, 5), c('a', 100, 2)]);
    expect(out.map((x) => x.seq)).toEqual([2, 5, 0]);
  });

  it('is a permutation that never reorders a batch', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            batchId: fc.constantFrom('a', 'b', 'c'),
            runAt: fc.integer({ min: 0, max: 5 }),
            seq: fc.nat(1000),
          }),
        ),
        (cands) => {
          const out = interleaveByBatch(cands);
          expect(out).toHaveLength(cands.length);
          expect(new Set(out)).toEqual(new Set(cands));
          for (const b of ['a', 'b', 'c']) {
            const mine = out.filter((x) => x.batchId === b);
            const sorted = [...mine].sort((x, y) => x.runAt - y.runAt || x.seq - y.seq);
            expect(mine).toEqual(sorted);
          }
        },
      ),
    );
  });
});
