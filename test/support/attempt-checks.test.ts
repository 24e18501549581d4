// The checks the end-to-end tests judge the engine with must themselves catch what they look for.
import { describe, expect, it } from 'vitest';
import {
  busiestInstant,
  busiestWindow,
  emptyBuckets,
  groupBy,
  jobAttemptProblems,
  maxOverlap,
  maxStartsInWindow,
} from './attempt-checks.js';

describe('maxOverlap', () => {
  it('counts intervals open at the same instant', () => {
    expect(maxOverlap([])).toBe(0);
    expect(
      maxOverlap([
        { start: 0, end: 10 },
        { start: 5, end: 15 },
        { start: 9, end: 12 },
        { start: 20, end: 30 },
      ]),
    ).toBe(3);
  });

  it('treats intervals as half-open: one ending at t and one starting at t never overlap', () => {
    const chain = [
      { start: 0, end: 10 },
      { start: 10, end: 20 },
      { start: 20, end: 30 },
    ];
    expect(maxOverlap(chain)).toBe(1);
    // Ordering of the input must not matter.
    expect(maxOverlap([...chain].reverse())).toBe(1);
  });

  it('catches one millisecond of overlap', () => {
    expect(
      maxOverlap([
        { start: 0, end: 11 },
        { start: 10, end: 20 },
      ]),
    ).toBe(2);
  });

  it('ignores empty intervals and rejects reversed ones', () => {
    expect(maxOverlap([{ start: 5, end: 5 }])).toBe(0);
    expect(() => maxOverlap([{ start: 5, end: 4 }])).toThrow(/ends before it starts/);
  });
});

describe('maxStartsInWindow', () => {
  it('finds N+1 starts squeezed into one second even across a second boundary', () => {
    // At most 4 in any whole second counted from 0, but [900, 1900) holds 5.
    const starts = [0, 900, 950, 999, 1_000, 1_899, 2_500];
    expect(maxStartsInWindow(starts)).toBe(5);
  });

  it('does not count a start exactly one window later', () => {
    expect(maxStartsInWindow([0, 1_000, 2_000, 3_000])).toBe(1);
    expect(maxStartsInWindow([0, 999])).toBe(2);
  });

  it('counts equal start times and needs no sorted input', () => {
    expect(maxStartsInWindow([7, 3, 7, 7])).toBe(4);
    expect(maxStartsInWindow([])).toBe(0);
  });

  it('passes evenly spaced starts at exactly the rate', () => {
    const starts = Array.from({ length: 100 }, (_, i) => i * 100);
    expect(maxStartsInWindow(starts)).toBe(10);
  });
});

describe('emptyBuckets', () => {
  it('names the whole buckets before `until` that hold no start', () => {
    expect(emptyBuckets([100, 2_100, 6_500], 0, 8_000, 2_000)).toEqual([4_000]);
  });

  it('leaves out the last partial bucket and starts before `from`', () => {
    expect(emptyBuckets([-5, 500], 0, 3_999, 2_000)).toEqual([]);
    expect(emptyBuckets([-5], 0, 2_000, 2_000)).toEqual([0]);
  });
});

describe('jobAttemptProblems', () => {
  const ok = [
    { attemptNo: 1, startedAt: 0, endedAt: 100 },
    { attemptNo: 2, startedAt: 100, endedAt: 150 },
  ];

  it('passes contiguous, ended, sequential attempts within budget', () => {
    expect(jobAttemptProblems(ok, { recorded: 2, budget: 3 })).toEqual([]);
    expect(jobAttemptProblems([], { recorded: 0, budget: 3 })).toEqual([]);
  });

  it('flags a gap in the numbering', () => {
    const gap = [ok[0]!, { ...ok[1]!, attemptNo: 3 }];
    expect(jobAttemptProblems(gap, { recorded: 2, budget: 3 })).toEqual([
      'attempt #2 is numbered 3',
    ]);
  });

  it('flags a count that disagrees with the job row', () => {
    expect(jobAttemptProblems(ok, { recorded: 3, budget: 3 })).toEqual([
      '2 attempt rows but the job records 3',
    ]);
  });

  it('flags attempts over the budget', () => {
    expect(jobAttemptProblems(ok, { recorded: 2, budget: 1 })).toEqual([
      '2 attempts, over the budget of 1',
    ]);
  });

  it('flags two attempts of one job overlapping in time (a double dial)', () => {
    const overlap = [ok[0]!, { attemptNo: 2, startedAt: 99, endedAt: 150 }];
    expect(jobAttemptProblems(overlap, { recorded: 2, budget: 3 })).toEqual([
      'attempt 2 starts at 99, before attempt 1 ended at 100',
    ]);
  });

  it('flags an attempt that never ended or ends before it starts', () => {
    expect(
      jobAttemptProblems([{ attemptNo: 1, startedAt: 5, endedAt: null }], {
        recorded: 1,
        budget: 3,
      }),
    ).toEqual(['attempt 1 never ended']);
    expect(
      jobAttemptProblems([{ attemptNo: 1, startedAt: 5, endedAt: 4 }], { recorded: 1, budget: 3 }),
    ).toEqual(['attempt 1 ends before it starts']);
  });
});

describe('groupBy', () => {
  it('groups rows by key in their order', () => {
    const g = groupBy(['a1', 'b1', 'a2'], (s) => s[0]);
    expect([...g]).toEqual([
      ['a', ['a1', 'a2']],
      ['b', ['b1']],
    ]);
  });
});

describe('busiestInstant and busiestWindow', () => {
  it('return the evidence behind the maxima', () => {
    const a = { start: 0, end: 10, id: 'a' };
    const b = { start: 5, end: 15, id: 'b' };
    const c = { start: 12, end: 20, id: 'c' };
    expect(busiestInstant([a, b, c])).toEqual({ at: 5, open: [a, b] });
    expect(busiestInstant([])).toEqual({ at: undefined, open: [] });
    expect(busiestWindow([0, 900, 950, 999, 1_000, 1_899, 2_500])).toEqual([
      900, 950, 999, 1_000, 1_899,
    ]);
    expect(busiestWindow([])).toEqual([]);
  });
});
